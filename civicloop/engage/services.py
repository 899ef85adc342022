"""Writes for engage: spaces and questions (staff), light accounts, ideas, comments, supports, answers.

Every refusal is raised before anything is stored. Text is stored as typed and escaped when shown.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.accounts.permissions import department_may_act
from civicloop.core.errors import DomainError
from civicloop.core.sql import UnitRandom
from civicloop.core.throttling import rate_limit_exceeded
from civicloop.engage.models import (
    ROTATION_ENOUGH_VIEWS,
    Comment,
    CommentRevision,
    Idea,
    IdeaFollower,
    IdeaRevision,
    IdeaStatusChange,
    JamPrompt,
    ModerationState,
    Participant,
    Question,
    Space,
    SpaceInvitee,
    Support,
)
from civicloop.engage.notifications import (
    idea_changes_notify,
    official_replies_notify,
    sign_in_link_send,
)
from civicloop.engage.selectors import (
    Viewer,
    embedding_to_bytes,
    idea_text_embedding,
    jam_prompt_allowed,
    question_is_open,
    space_readable,
)
from civicloop.engage.tokens import EngageLinkInvalid, EngageLinkUsed, sign_in_read, stop_read
from civicloop.places.models import CommunityArea
from civicloop.subscriptions.contacts import email_normalise, phone_normalise
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.selectors import language_supported
from civicloop.subscriptions.services import contact_point_ensure
from civicloop.topics.models import Topic

TITLE_MAX = 150
IDEA_BODY_MAX = 5000
COMMENT_MAX = 2000
REASON_MAX = 1000
DISPLAY_NAME_MAX = 60
EDIT_WINDOW = timedelta(minutes=15)
# A person may post this many ideas and comments, and give this many supports, per window.
POSTS_PER_PERSON = 10
SUPPORTS_PER_PERSON = 60
PERSON_WINDOW_SECONDS = 10 * 60
# In an account's first day, a few posts only: a fresh address is cheap for a spammer.
NEW_ACCOUNT_AGE = timedelta(days=1)
NEW_ACCOUNT_POSTS = 3
SIGN_IN_LINKS_PER_CONTACT = 5
# Paths under /ideas/ that a space's slug must never take.
RESERVED_SLUGS = {"sign-in", "sign-out", "your-name", "stop", "comments", "new"}


class EngageInvalid(DomainError):
    """Bad input: the form shows this message next to `field`."""


class EngageRefused(DomainError):
    """Not allowed here: a closed question, someone else's space, someone else's post (HTTP 403)."""


class PostingLimitReached(DomainError):
    """Too many posts or supports from one person for now (HTTP 429)."""


# ----------------------------------------------------------------------------------------------- staff


def _required_text(value: str, *, field: str, limit: int, message: str) -> str:
    text = value.strip()
    if not text:
        raise EngageInvalid(message, field=field)
    if len(text) > limit:
        raise EngageInvalid(_("Keep it under %(limit)d characters.") % {"limit": limit}, field=field)
    return text


def _slug(value: str, *, field: str = "slug") -> str:
    slug = slugify(value)[:80].strip("-")
    if not slug or slug.isdigit() or slug in RESERVED_SLUGS:
        raise EngageInvalid(_("Choose a short web address made of words, like parks-2026."), field=field)
    return slug


def space_create(
    *,
    title: str,
    slug: str = "",
    description: str = "",
    visibility: str,
    actor: Any,
    now: datetime | None = None,
) -> Space:
    """A new space; its slug becomes /ideas/<slug>/ (never all digits: /ideas/<number>/ is an idea)."""
    title = _required_text(title, field="title", limit=200, message=_("Give the space a title."))
    if visibility not in Space.Visibility.values:
        raise EngageInvalid(_("Choose who can take part from the list."), field="visibility")
    clean_slug = _slug(slug or title)
    if Space.objects.filter(slug=clean_slug).exists():
        raise EngageInvalid(_("Another space has this web address."), field="slug")
    return Space.objects.create(
        slug=clean_slug,
        title=title,
        description=description.strip()[:4000],
        visibility=visibility,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now or timezone.now(),
    )


def _contact_value(raw: str) -> tuple[str, str]:
    """(kind, normalised value) for an email address or a mobile number typed by staff or a resident."""
    if "@" in raw:
        return ContactPoint.Kind.EMAIL, email_normalise(raw)
    return ContactPoint.Kind.SMS, phone_normalise(raw)


@transaction.atomic
def space_invitees_add(*, space: Space, contacts: Iterable[str], now: datetime | None = None) -> int:
    """Invite people by email address or mobile number; returns how many were new. Bad entries refuse all."""
    moment = now or timezone.now()
    values = []
    for raw in contacts:
        if not raw.strip():
            continue
        try:
            values.append(_contact_value(raw))
        except SubscriptionInvalid as error:
            raise EngageInvalid(f"{raw.strip()[:60]}: {error.message}", field="contacts") from error
    points = [contact_point_ensure(kind=kind, value=value, language="en") for kind, value in values]
    already = set(SpaceInvitee.objects.filter(space=space).values_list("contact_point_id", flat=True))
    new = [
        SpaceInvitee(space=space, contact_point=point, created_at=moment)
        for point in {point.pk: point for point in points}.values()
        if point.pk not in already
    ]
    SpaceInvitee.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@dataclass
class QuestionInput:
    text: str
    opens_at: datetime
    closes_at: datetime
    department: str
    slug: str = ""
    description: str = ""
    topic: Topic | None = None
    community_areas: Iterable[CommunityArea] = ()
    is_jam: bool = False
    hosts: Iterable[Any] = ()


@transaction.atomic
def question_create(
    *, space: Space, data: QuestionInput, actor: Any, now: datetime | None = None
) -> Question:
    """A question the city asks in a space, open for ideas from opens_at until closes_at."""
    text = _required_text(data.text, field="text", limit=300, message=_("Write the question."))
    department = _required_text(
        data.department, field="department", limit=100, message=_("Name the department that owns it.")
    )
    if data.closes_at <= data.opens_at:
        raise EngageInvalid(_("The closing date must be after the opening date."), field="closes_at")
    if actor is not None and not department_may_act(actor, department):
        raise EngageInvalid(
            _("You can ask questions for your own department only (%(department)s).")
            % {"department": actor.department},
            field="department",
        )
    slug = _slug(data.slug or text)
    if Question.objects.filter(space=space, slug=slug).exists():
        raise EngageInvalid(_("Another question in this space has this web address."), field="slug")
    question = Question.objects.create(
        space=space,
        slug=slug,
        text=text,
        description=data.description.strip()[:4000],
        topic=data.topic,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        department=department,
        is_jam=data.is_jam,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now or timezone.now(),
    )
    question.community_areas.set(list(data.community_areas))
    question.hosts.set(list(data.hosts))
    return question


# ---------------------------------------------------------------------------------------- light accounts


def _display_name(value: str) -> str:
    return _required_text(
        value,
        field="display_name",
        limit=DISPLAY_NAME_MAX,
        message=_("Give the name to show with your posts."),
    )


def participant_sign_in_request(
    *, contact: str, display_name: str, language: str, next_path: str = "", now: datetime | None = None
) -> Participant:
    """Send a magic link to an email address or mobile number; the account counts once it is used.

    The same address is the same person. Anyone can type anyone's address, so nothing about an existing
    participant changes here: the name and language asked for wait until the link is used, and each new
    link makes the ones sent before it unusable.
    """
    name = _display_name(display_name)
    if not contact.strip():
        raise EngageInvalid(_("Give an email address or a mobile number."), field="contact")
    try:
        kind, value = _contact_value(contact)
    except SubscriptionInvalid as error:
        raise EngageInvalid(error.message, field="contact") from error
    # Nobody may flood someone else's inbox or phone with sign-in links.
    if rate_limit_exceeded(
        scope="engage-sign-in-link", subject=value, limit=SIGN_IN_LINKS_PER_CONTACT, window_seconds=3600
    ):
        raise PostingLimitReached(
            _("We sent several links to this address already. Please try again in an hour.")
        )
    language = language_supported(language)
    with transaction.atomic():
        point = contact_point_ensure(kind=kind, value=value, language=language)
        participant, created = Participant.objects.get_or_create(
            contact_point=point,
            defaults={
                "display_name": name,
                "language": language,
                "pending_display_name": name,
                "pending_language": language,
                "created_at": now or timezone.now(),
            },
        )
        if not created:
            Participant.objects.filter(pk=participant.pk).update(
                token_version=F("token_version") + 1, pending_display_name=name, pending_language=language
            )
            participant.refresh_from_db(fields=["token_version", "pending_display_name", "pending_language"])
        transaction.on_commit(partial(sign_in_link_send, participant.pk, next_path))
    return participant


def _sign_in_link_used() -> EngageLinkUsed:
    return EngageLinkUsed(
        _("This link has already been used, or a newer one was sent. Each sign-in link works once.")
    )


def participant_sign_in_pending(*, token: str) -> Participant:
    """The participant a sign-in link is for, if it can still be used (it is not used up by reading)."""
    payload = sign_in_read(token)
    participant = Participant.objects.filter(pk=payload.participant_id, user__isnull=True).first()
    if participant is None:
        raise EngageLinkInvalid(_("This link is not valid."))
    if participant.token_version != payload.token_version:
        raise _sign_in_link_used()
    return participant


def participant_sign_in_confirm(
    *, token: str, display_name: str = "", now: datetime | None = None
) -> Participant:
    """The magic link was used: the address is proven, and this browser may post as the participant.

    A link signs in once: using it raises the participant's token version in the same statement that
    checks it, so of two uses at the same moment only one succeeds. The name is the one typed on the
    confirmation page, else the one asked for with this link.
    """
    participant = participant_sign_in_pending(token=token)
    name = (
        _display_name(display_name)
        if display_name.strip()
        else participant.pending_display_name or participant.display_name
    )
    language = participant.pending_language or participant.language
    moment = now or timezone.now()
    used = Participant.objects.filter(
        pk=participant.pk, user__isnull=True, token_version=participant.token_version
    ).update(
        token_version=F("token_version") + 1,
        confirmed_at=Coalesce("confirmed_at", Value(moment)),
        display_name=name,
        language=language,
        pending_display_name="",
        pending_language="",
    )
    if not used:
        raise _sign_in_link_used()
    participant.refresh_from_db()
    return participant


def participant_rename(*, participant: Participant, display_name: str) -> Participant:
    """A signed-in resident changes the name shown with their posts (staff are named by their login)."""
    if participant.user_id is not None:
        raise EngageRefused(_("Staff are shown by the name of their staff login."))
    name = _display_name(display_name)
    Participant.objects.filter(pk=participant.pk).update(display_name=name)
    participant.display_name = name
    return participant


def participant_for_staff(user: Any) -> Participant:
    """The participant a staff login posts and replies as (made on first use, confirmed by the login)."""
    name = (user.get_full_name() or user.username)[:DISPLAY_NAME_MAX]
    moment = timezone.now()
    try:
        with transaction.atomic():
            participant, _created = Participant.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": name,
                    "language": user.preferred_language or "en",
                    "confirmed_at": moment,
                    "created_at": moment,
                },
            )
    except IntegrityError:  # the same staff member posted twice at once
        participant = Participant.objects.get(user=user)
    return participant


# ------------------------------------------------------------------------------------- ideas and comments


@dataclass(frozen=True)
class Civility:
    held: bool
    reasons: list[str]
    score: float


def _civility(text: str) -> Civility:
    """The moderation app's check; it holds for a person to look at, it never rejects."""
    from civicloop.moderation.checks import civility_check  # local: moderation is built alongside

    result = civility_check().check_many([text])[0]
    return Civility(
        held=bool(result.held), reasons=[str(reason) for reason in result.reasons], score=float(result.score)
    )


def _moderation_case(content: Idea | Comment) -> None:
    """Held content goes to the moderation queue (and a case the author's edit cleared is closed)."""
    from civicloop.moderation.services import content_checked

    content_checked(content)


def _moderation_fields(text: str) -> dict[str, Any]:
    check = _civility(text)
    return {
        "moderation_state": ModerationState.HELD if check.held else ModerationState.PUBLISHED,
        "held_reasons": check.reasons,
        "civility_score": check.score,
    }


def _author_check(author: Participant) -> None:
    if author.confirmed_at is None:
        raise EngageRefused(_("Use the link we sent you to confirm your email or phone before posting."))


def _posting_allowed(*, question: Question, viewer: Viewer, now: datetime) -> Participant:
    """The participant who may post here now, or a refusal (someone else's space, a closed question)."""
    if not space_readable(question.space, viewer):
        raise EngageRefused(_("This space is only for the people it was opened to."))
    if not question_is_open(question, now=now):
        raise EngageRefused(_("This question is not open for ideas and comments."))
    if viewer.participant is None and viewer.is_staff:
        viewer.participant = participant_for_staff(viewer.user)
    if viewer.participant is None:
        raise EngageRefused(_("Sign in with your email or phone to take part."))
    _author_check(viewer.participant)
    return viewer.participant


def _posting_limits(participant: Participant, *, now: datetime) -> None:
    """A person's pace: a few posts on their first day, then POSTS_PER_PERSON per ten minutes."""
    if participant.user_id is not None:
        return  # staff answer many threads in a row; their login is their accountability
    if now - participant.created_at < NEW_ACCOUNT_AGE:
        posted = (
            Idea.objects.filter(author=participant).count()
            + Comment.objects.filter(author=participant).count()
        )
        if posted >= NEW_ACCOUNT_POSTS:
            raise PostingLimitReached(
                _("New accounts can post %(count)d times on their first day. Please come back tomorrow.")
                % {"count": NEW_ACCOUNT_POSTS}
            )
    if rate_limit_exceeded(
        scope="engage-post",
        subject=str(participant.pk),
        limit=POSTS_PER_PERSON,
        window_seconds=PERSON_WINDOW_SECONDS,
    ):
        raise PostingLimitReached(_("You are posting very fast. Please wait a few minutes and try again."))


def _idea_text(title: str, body: str) -> tuple[str, str]:
    title = _required_text(title, field="title", limit=TITLE_MAX, message=_("Give your idea a short title."))
    body = _required_text(body, field="body", limit=IDEA_BODY_MAX, message=_("Describe your idea."))
    return title, body


def idea_create(
    *,
    question: Question,
    viewer: Viewer,
    title: str,
    body: str,
    community_area: CommunityArea | None = None,
    now: datetime | None = None,
) -> Idea:
    """Post an idea to an open question the viewer may reach; its author follows it from then on."""
    moment = now or timezone.now()
    title, body = _idea_text(title, body)
    author = _posting_allowed(question=question, viewer=viewer, now=moment)
    _posting_limits(author, now=moment)
    moderation = _moderation_fields(f"{title}\n\n{body}")
    embedding = embedding_to_bytes(idea_text_embedding(title, body))
    with transaction.atomic():
        idea = Idea.objects.create(
            question=question,
            author=author,
            title=title,
            body=body,
            community_area=community_area,
            created_at=moment,
            embedding=embedding,
            **moderation,
        )
        IdeaStatusChange.objects.create(
            idea=idea, status=idea.status, department=question.department, created_at=moment
        )
        _moderation_case(idea)
    return idea


def _editable(*, created_at: datetime, author_id: int, viewer: Viewer, now: datetime) -> None:
    if viewer.participant is None or viewer.participant.pk != author_id:
        raise EngageRefused(_("Only the author can edit this."))
    if now - created_at > EDIT_WINDOW:
        raise EngageRefused(_("Posts can be edited for 15 minutes only."))


@transaction.atomic
def idea_edit(*, idea: Idea, viewer: Viewer, title: str, body: str, now: datetime | None = None) -> Idea:
    """The author corrects their idea within 15 minutes; the earlier text is kept as a revision."""
    moment = now or timezone.now()
    title, body = _idea_text(title, body)
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    _editable(created_at=idea.created_at, author_id=idea.author_id, viewer=viewer, now=moment)
    IdeaRevision.objects.create(idea=idea, title=idea.title, body=idea.body, created_at=moment)
    idea.title, idea.body, idea.edited_at = title, body, moment
    idea.embedding = embedding_to_bytes(idea_text_embedding(title, body))
    moderation = _moderation_fields(f"{title}\n\n{body}")
    if idea.moderation_state in (ModerationState.PUBLISHED, ModerationState.HELD):
        for name, value in moderation.items():  # a moderator's hide or removal stands after an edit
            setattr(idea, name, value)
    idea.save()
    _moderation_case(idea)
    return idea


def comment_create(
    *, idea: Idea, viewer: Viewer, body: str, parent: Comment | None = None, now: datetime | None = None
) -> Comment:
    """Comment on an idea, or reply to a comment; a reply to a reply joins its thread (two levels)."""
    moment = now or timezone.now()
    body = _required_text(body, field="body", limit=COMMENT_MAX, message=_("Write your comment."))
    author = _posting_allowed(question=idea.question, viewer=viewer, now=moment)
    if parent is not None and parent.idea_id != idea.pk:
        raise EngageInvalid(_("You can only reply to a comment on this idea."), field="parent")
    _posting_limits(author, now=moment)
    return _comment_store(idea=idea, author=author, body=body, parent=parent, moment=moment)


def _comment_store(
    *,
    idea: Idea,
    author: Participant,
    body: str,
    parent: Comment | None,
    moment: datetime,
    official_department: str = "",
) -> Comment:
    moderation = (
        {"moderation_state": ModerationState.PUBLISHED} if official_department else _moderation_fields(body)
    )
    with transaction.atomic():
        comment = Comment.objects.create(
            idea=idea,
            author=author,
            body=body,
            parent_id=(parent.parent_id or parent.pk) if parent is not None else None,
            is_official=bool(official_department),
            department=official_department,
            created_at=moment,
            **moderation,
        )
        if comment.moderation_state == ModerationState.PUBLISHED:
            Idea.objects.filter(pk=idea.pk).update(comments_count=F("comments_count") + 1)
        _moderation_case(comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, viewer: Viewer, body: str, now: datetime | None = None) -> Comment:
    """The author corrects their comment within 15 minutes; the earlier text is kept."""
    moment = now or timezone.now()
    body = _required_text(body, field="body", limit=COMMENT_MAX, message=_("Write your comment."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    _editable(created_at=comment.created_at, author_id=comment.author_id, viewer=viewer, now=moment)
    CommentRevision.objects.create(comment=comment, body=comment.body, created_at=moment)
    comment.body, comment.edited_at = body, moment
    if (
        comment.moderation_state in (ModerationState.PUBLISHED, ModerationState.HELD)
        and not comment.is_official
    ):
        for name, value in _moderation_fields(body).items():
            setattr(comment, name, value)
    comment.save()
    _moderation_case(comment)
    return comment


def idea_support(*, idea: Idea, viewer: Viewer, network_key: str = "", now: datetime | None = None) -> bool:
    """Support an idea once per confirmed person; True if new (a second click changes nothing).

    `network_key` (core.throttling.client_network_key) lets moderators see bursts from one network;
    each new support queues a look for a burst on its idea (moderation.tasks).
    """
    moment = now or timezone.now()
    participant = _posting_allowed(question=idea.question, viewer=viewer, now=moment)
    if participant.user_id is None and rate_limit_exceeded(
        scope="engage-support",
        subject=str(participant.pk),
        limit=SUPPORTS_PER_PERSON,
        window_seconds=PERSON_WINDOW_SECONDS,
    ):
        raise PostingLimitReached(_("You are supporting very fast. Please wait a few minutes and try again."))
    with transaction.atomic():
        _support, created = Support.objects.get_or_create(
            idea=idea, participant=participant, defaults={"created_at": moment, "network_key": network_key}
        )
        if created:
            Idea.objects.filter(pk=idea.pk).update(supports_count=F("supports_count") + 1)
            transaction.on_commit(partial(_support_bursts_look, idea.pk))
    return created


def _support_bursts_look(idea_id: int) -> None:
    """Moderators hear of a burst of supports within moments, whether or not they are looking."""
    from civicloop.moderation.tasks import flag_support_bursts  # local: moderation is built alongside

    flag_support_bursts.enqueue(idea_id)


def idea_follow(*, idea: Idea, viewer: Viewer, follow: bool = True, now: datetime | None = None) -> None:
    """Follow an idea (updates on each change) or stop; stopping also quiets an author or supporter."""
    if viewer.participant is None and viewer.is_staff:
        viewer.participant = participant_for_staff(viewer.user)
    if viewer.participant is None or not space_readable(idea.question.space, viewer):
        raise EngageRefused(_("Sign in with your email or phone to follow ideas."))
    moment = now or timezone.now()
    IdeaFollower.objects.update_or_create(
        idea=idea,
        participant=viewer.participant,
        defaults={"stopped_at": None if follow else moment},
        create_defaults={"stopped_at": None if follow else moment, "created_at": moment},
    )


def idea_follow_stop(*, token: str, now: datetime | None = None) -> Idea:
    """The "stop updates" link in an update: that address hears nothing more about that idea."""
    payload = stop_read(token)
    idea = Idea.objects.filter(pk=payload.idea_id).first()
    participant = Participant.objects.filter(contact_point_id=payload.contact_point_id).first()
    if idea is None or participant is None:
        raise EngageLinkInvalid(_("This link is not valid."))
    moment = now or timezone.now()
    IdeaFollower.objects.update_or_create(
        idea=idea,
        participant=participant,
        defaults={"stopped_at": moment},
        create_defaults={"stopped_at": moment, "created_at": moment},
    )
    return idea


def ideas_shown_count(idea_ids: list[int]) -> int:
    """Count one view for each idea a page showed and give it a new random place among its equals
    (one UPDATE), which moves the fair rotation on to the ideas seen least."""
    if not idea_ids:
        return 0
    return Idea.objects.filter(pk__in=idea_ids).update(
        rotation_views=Least(F("rotation_views") + 1, ROTATION_ENOUGH_VIEWS), rotation_key=UnitRandom()
    )


# ------------------------------------------------------------------------------------------ staff answers


def _department(user: Any, question: Question) -> str:
    return (getattr(user, "department", "") or question.department)[:100]


def answering_check(user: Any, idea: Idea) -> None:
    """EngageRefused unless `user` may answer this idea for its question's department."""
    if not department_may_act(user, idea.question.department):
        raise EngageRefused(
            _("Only %(department)s answers ideas on this question.")
            % {"department": idea.question.department}
        )


def official_reply_create(
    *, idea: Idea, user: Any, body: str, parent: Comment | None = None, now: datetime | None = None
) -> Comment:
    """A staff answer with the "Official response — <department>" badge; the idea's people are told."""
    answering_check(user, idea)
    moment = now or timezone.now()
    body = _required_text(body, field="body", limit=COMMENT_MAX, message=_("Write the reply."))
    author = participant_for_staff(user)
    with transaction.atomic():
        comment = _comment_store(
            idea=idea,
            author=author,
            body=body,
            parent=parent,
            moment=moment,
            official_department=_department(user, idea.question),
        )
        official_replies_notify([comment])
    return comment


@transaction.atomic
def idea_status_change(
    *, idea: Idea, status: str, reason: str = "", actor: Any = None, now: datetime | None = None
) -> IdeaStatusChange:
    """A new status for an idea (not planned needs a reason), on its timeline and told to its people."""
    if actor is not None:
        answering_check(actor, idea)
    if status not in Idea.Status.values:
        raise EngageInvalid(_("Choose a status from the list."), field="status")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise EngageInvalid(_("Keep it under %(limit)d characters.") % {"limit": REASON_MAX}, field="reason")
    if status == Idea.Status.NOT_PLANNED and not reason:
        raise EngageInvalid(_("Say why the idea is not planned."), field="reason")
    moment = now or timezone.now()
    idea = Idea.objects.select_for_update().select_related("question").get(pk=idea.pk)
    idea.status, idea.status_reason = status, reason
    idea.save(update_fields=["status", "status_reason"])
    change = IdeaStatusChange.objects.create(
        idea=idea,
        status=status,
        reason=reason,
        department=_department(actor, idea.question),
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=moment,
    )
    idea_changes_notify([change])
    return change


def idea_staff_pick_set(*, idea: Idea, picked: bool, user: Any = None) -> None:
    if user is not None:
        answering_check(user, idea)
    Idea.objects.filter(pk=idea.pk).update(is_staff_pick=picked)


# ------------------------------------------------------------------------------------------------- jams

PROMPT_MAX = 1000


def jam_prompt_post(*, question: Question, user: Any, text: str, now: datetime | None = None) -> JamPrompt:
    """A host's prompt in an open jam; it shows at the top of the jam and in its live view at once."""
    moment = now or timezone.now()
    text = _required_text(text, field="text", limit=PROMPT_MAX, message=_("Write the prompt."))
    if not jam_prompt_allowed(question, user):
        raise EngageRefused(_("Only the hosts of this jam can post prompts."))
    if not question_is_open(question, now=moment):
        raise EngageRefused(_("This jam is not open: prompts can be posted only while it runs."))
    name = (user.get_full_name() or _("Host"))[:100]
    return JamPrompt.objects.create(
        question=question, host=user, host_name=name, text=text, created_at=moment
    )


# How many older ideas one call embeds: a few hundred milliseconds at most.
EMBEDDINGS_FILLED_PER_CALL = 50


def idea_embeddings_fill(*, question: Question, limit: int = EMBEDDINGS_FILLED_PER_CALL) -> int:
    """Embed ideas stored before embeddings existed (one query when none is missing); returns how many."""
    missing = list(
        Idea.objects.filter(question=question, embedding__isnull=True).only("pk", "title", "body")[:limit]
    )
    filled = 0
    for idea in missing:
        embedding = embedding_to_bytes(idea_text_embedding(idea.title, idea.body))
        if embedding is None:
            break  # no embedder here: try again another time
        filled += Idea.objects.filter(pk=idea.pk, embedding__isnull=True).update(embedding=embedding)
    return filled


def support_network_keys_forget(cutoff: datetime) -> int:
    """Retention: the network hash on supports older than `cutoff` is blanked (the support stays)."""
    return Support.objects.filter(created_at__lt=cutoff).exclude(network_key="").update(network_key="")
