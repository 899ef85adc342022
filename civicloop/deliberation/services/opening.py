"""Staff open a conversation in a space with the city's seed statements, add more later, close and reopen.

Seed statements are the city's: accepted at once, with no author (as the demo's and Polis imports'
are), not through the civility check that residents' statements go through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.permissions import Capability, department_may_act, user_can
from civicloop.core.errors import DomainError
from civicloop.deliberation.models import STATEMENT_MAX_LENGTH, Conversation, Statement
from civicloop.deliberation.services.errors import DeliberationInvalid, DeliberationRefused
from civicloop.deliberation.services.publication import conversation_answering_check
from civicloop.engage.models import Question, Space

# As engage's staff pages: the roles that run engagement (department staff, communications); not
# moderators, who decide on statements but do not put questions to residents.
ENGAGEMENT_CAPABILITIES = (Capability.WORK_SERVICE_QUEUES, Capability.COMPOSE_ANNOUNCEMENTS)
SEEDS_MAX = 100  # seed statements in one go (at opening, or added later)
TITLE_MAX = 200
PROMPT_MAX = 4000


def engagement_staff(user: Any) -> bool:
    return any(user_can(user, capability) for capability in ENGAGEMENT_CAPABILITIES)


def seed_statements_check(texts: Iterable[str], *, existing: Iterable[str] = ()) -> list[str]:
    """The seed statements, stripped and without blank lines: each 1–140 characters, none twice (case
    aside, nor one the conversation has already), at least one and at most SEEDS_MAX.

    Raises DeliberationInvalid (field "seeds") naming the first line at fault.
    """
    taken = {text.strip().casefold(): -1 for text in existing}
    seeds: list[str] = []
    for line_number, raw in enumerate(texts, start=1):
        text = raw.strip()
        if not text:
            continue
        if len(text) > STATEMENT_MAX_LENGTH:
            raise DeliberationInvalid(
                _(
                    "Line %(line)d has %(count)d characters: keep each statement to %(limit)d "
                    "characters or fewer."
                )
                % {"line": line_number, "count": len(text), "limit": STATEMENT_MAX_LENGTH},
                field="seeds",
            )
        key = text.casefold()
        if key in taken:
            if taken[key] < 0:
                raise DeliberationInvalid(
                    _("Line %(line)d is in the conversation already.") % {"line": line_number},
                    field="seeds",
                )
            raise DeliberationInvalid(
                _("Line %(line)d repeats line %(first)d.") % {"line": line_number, "first": taken[key]},
                field="seeds",
            )
        taken[key] = line_number
        seeds.append(text)
    if not seeds:
        raise DeliberationInvalid(_("Write at least one statement, one per line."), field="seeds")
    if len(seeds) > SEEDS_MAX:
        raise DeliberationInvalid(
            _("Add at most %(limit)d statements at a time (there are %(count)d).")
            % {"limit": SEEDS_MAX, "count": len(seeds)},
            field="seeds",
        )
    return seeds


def _seeds_create(conversation: Conversation, seeds: Sequence[str], moment: datetime) -> list[Statement]:
    """Numbered after the conversation's statements; retried if a resident's statement took a number."""
    for _attempt in range(3):
        numbers = Statement.objects.filter(conversation=conversation).values_list("external_id", flat=True)
        first = max((int(n) for n in numbers if n.isdigit()), default=-1) + 1
        try:
            with transaction.atomic():
                return Statement.objects.bulk_create(
                    Statement(
                        conversation=conversation,
                        external_id=str(first + offset),
                        text=text,
                        author=None,  # the city's
                        moderation=Statement.Moderation.ACCEPTED,
                        created_at=moment,
                    )
                    for offset, text in enumerate(seeds)
                )
        except IntegrityError:
            continue
    raise DomainError(_("Could not add the statements; please try again."))


def conversation_open(
    *,
    title: str,
    prompt: str,
    space: Space,
    seeds: Iterable[str],
    user: Any,
    question: Question | None = None,
    now: datetime | None = None,
) -> Conversation:
    """A new open conversation in `space` with its seed statements, written together; `user` is recorded
    as who opened it. Every refusal comes before any write.

    On a question of the space, the question's department answers it (publishes the report, closes it,
    adds statements); department staff open conversations on their own department's questions only.
    Staff with no department (communications) may open one on no question: then any of them answers.
    """
    if not engagement_staff(user):
        raise DeliberationRefused(_("Only staff who run engagement open conversations."))
    title = title.strip()
    prompt = prompt.strip()
    if not title:
        raise DeliberationInvalid(_("Give the conversation a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DeliberationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": TITLE_MAX}, field="title"
        )
    if not prompt:
        raise DeliberationInvalid(_("Write the question or topic you put to residents."), field="prompt")
    if len(prompt) > PROMPT_MAX:
        raise DeliberationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": PROMPT_MAX}, field="prompt"
        )
    if question is None and not department_may_act(user, ""):
        # It would belong to no department, and so be out of its opener's hands (publication.py).
        raise DeliberationInvalid(
            _("Choose one of your department's questions: its department answers the conversation."),
            field="question",
        )
    if question is not None:
        if question.space_id != space.pk:
            raise DeliberationInvalid(
                _("Choose a question of the space you chose, or no question."), field="question"
            )
        if not department_may_act(user, question.department):
            raise DeliberationInvalid(
                _("You can open conversations on your own department's questions only (%(department)s).")
                % {"department": getattr(user, "department", "")},
                field="question",
            )
    checked = seed_statements_check(seeds)
    moment = now or timezone.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            title=title,
            prompt=prompt,
            space=space,
            question=question,
            status=Conversation.Status.OPEN,
            created_at=moment,
            opened_by=user if getattr(user, "pk", None) else None,
        )
        _seeds_create(conversation, checked, moment)
    return conversation


def conversation_seeds_add(
    *, conversation: Conversation, user: Any, seeds: Iterable[str], now: datetime | None = None
) -> list[Statement]:
    """More of the city's statements in an open conversation, by staff who may answer for it."""
    conversation_answering_check(user, conversation)
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Conversation.Status.OPEN:
            raise DeliberationRefused(_("This conversation is closed: reopen it to add statements."))
        existing = Statement.objects.filter(conversation=locked).values_list("text", flat=True)
        checked = seed_statements_check(seeds, existing=existing)
        return _seeds_create(locked, checked, now or timezone.now())


def conversation_status_set(*, conversation: Conversation, user: Any, is_open: bool) -> Conversation:
    """Close a conversation (it takes no more votes or statements; its report stays) or reopen it."""
    conversation_answering_check(user, conversation)
    status = Conversation.Status.OPEN if is_open else Conversation.Status.CLOSED
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    conversation.refresh_from_db()
    return conversation
