"""Close the loop on ideas: each status change and official reply is told to the idea's people.

The people of an idea are its author, its supporters and its followers (less anyone who stopped its
updates), reached at their confirmed email or phone in the language they chose. One delivery-engine
Message per change (its context has no personal data), one Delivery per person, all written set-based
in the caller's transaction and sent after commit.
"""

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import translation

from civicloop.delivery.models import Delivery
from civicloop.delivery.services import notification_send, notifications_queue
from civicloop.engage.models import Comment, Idea, IdeaFollower, IdeaStatusChange, Participant, Support
from civicloop.engage.tokens import absolute, sign_in_url

STATUS_TEMPLATE = "idea_status"
REPLY_TEMPLATE = "idea_reply"
SIGN_IN_TEMPLATE = "idea_sign_in"
EXCERPT_LENGTH = 280

Recipient = tuple[int, int, str, str]  # idea id, contact point id, channel, language


def _status_label(status: str) -> str:
    # The English label is the msgid: templates translate it into each recipient's language.
    with translation.override("en"):
        return str(Idea.Status(status).label)


def idea_recipients(idea_ids: Iterable[int]) -> list[Recipient]:
    """Everyone to tell about these ideas, once each: three set-based reads, no loop over people."""
    ids = set(idea_ids)
    reachable = {"contact_point__isnull": False, "confirmed_at__isnull": False}
    fields = ("contact_point_id", "contact_point__kind", "language")
    rows: set[Recipient] = set()
    for idea_id, *rest in Idea.objects.filter(
        pk__in=ids, author__contact_point__isnull=False, author__confirmed_at__isnull=False
    ).values_list("pk", *(f"author__{name}" for name in fields)):
        rows.add((idea_id, *rest))  # type: ignore[arg-type]
    for model, extra in ((Support, {}), (IdeaFollower, {"stopped_at__isnull": True})):
        people = model.objects.filter(  # type: ignore[attr-defined]
            idea_id__in=ids, **{f"participant__{key}": value for key, value in reachable.items()}, **extra
        )
        rows.update(people.values_list("idea_id", *(f"participant__{name}" for name in fields)))
    stopped = set(
        IdeaFollower.objects.filter(idea_id__in=ids, stopped_at__isnull=False).values_list(
            "idea_id", "participant__contact_point_id"
        )
    )
    return sorted(row for row in rows if (row[0], row[1]) not in stopped)


def _queue(template: str, contexts: list[tuple[int, dict[str, object]]]) -> int:
    """One Message per (idea id, context), one Delivery per person of that idea; returns deliveries queued."""
    recipients = idea_recipients(idea_id for idea_id, _context in contexts)
    return notifications_queue(template=template, contexts=contexts, recipients=recipients)


def _idea_context(idea: Idea) -> dict[str, object]:
    url = absolute(reverse("engage:idea", args=[idea.pk]))
    return {"idea_id": idea.pk, "idea_title": idea.title, "idea_url": url, "link": url}


def idea_changes_notify(changes: list[IdeaStatusChange]) -> int:
    """Queue an update about each status change for the idea's people; returns deliveries queued."""
    ideas = {idea.pk: idea for idea in Idea.objects.filter(pk__in={change.idea_id for change in changes})}
    contexts = [
        (
            change.idea_id,
            {
                **_idea_context(ideas[change.idea_id]),
                "status": change.status,
                "status_label": _status_label(change.status),
                "reason": change.reason,
                "department": change.department,
            },
        )
        for change in changes
    ]
    return _queue(STATUS_TEMPLATE, contexts)


def official_replies_notify(replies: list[Comment]) -> int:
    """Queue each official reply for the idea's people; returns deliveries queued."""
    ideas = {idea.pk: idea for idea in Idea.objects.filter(pk__in={reply.idea_id for reply in replies})}
    contexts = [
        (
            reply.idea_id,
            {
                **_idea_context(ideas[reply.idea_id]),
                "department": reply.department,
                "excerpt": reply.body[:EXCERPT_LENGTH],
            },
        )
        for reply in replies
        if reply.is_official
    ]
    return _queue(REPLY_TEMPLATE, contexts)


def sign_in_link_send(participant_id: int, next_path: str = "") -> Delivery | None:
    """Send the magic link to the participant's address, in the language they chose (after commit)."""
    participant = (
        Participant.objects.select_related("contact_point__subscriber").filter(pk=participant_id).first()
    )
    if participant is None or participant.contact_point is None:
        return None
    link = sign_in_url(
        participant_id=participant.pk, token_version=participant.token_version, next_path=next_path
    )
    with transaction.atomic():  # the language is set before the sender is asked to send (on commit)
        delivery = notification_send(
            contact_point=participant.contact_point, template=SIGN_IN_TEMPLATE, context={"link": link}
        )
        # The person asked in this language just now, whatever their subscription says.
        language = participant.pending_language or participant.language
        Delivery.objects.filter(pk=delivery.pk).update(language=language)
        delivery.language = language
    return delivery
