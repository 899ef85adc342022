"""Residents' statements through the civility check, and moderators' decisions on them."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError
from civicloop.core.throttling import rate_limit_exceeded
from civicloop.deliberation.models import (
    STATEMENT_MAX_LENGTH,
    Conversation,
    Statement,
)
from civicloop.deliberation.services.errors import (
    DeliberationInvalid,
    DeliberationRefused,
    StatementAlreadyDecided,
    StatementLimitReached,
)
from civicloop.deliberation.services.mapping import conversation_analysis_request
from civicloop.deliberation.services.votes import conversation_join
from civicloop.engage.models import Participant

STATEMENTS_PER_PERSON = 5
STATEMENT_WINDOW_SECONDS = 10 * 60
MODERATION_NOTE_MAX = 1000


def _next_statement_number(conversation: Conversation) -> str:
    numbers = Statement.objects.filter(conversation=conversation).values_list("external_id", flat=True)
    return str(max((int(n) for n in numbers if n.isdigit()), default=-1) + 1)


def statement_add(
    *, conversation: Conversation, resident: Participant, text: str, now: datetime | None = None
) -> Statement:
    """A resident's statement (at most 140 characters) through the civility check, like any post.

    Accepted at once when the check passes; otherwise held for a moderator (the staff statement queue)
    and shown to no one else meanwhile: the machine never rejects. Every refusal is raised before
    anything is written; the author's place in the conversation and the statement are written together.
    """
    text = text.strip()
    if not text:
        raise DeliberationInvalid(_("Write your statement."), field="text")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise DeliberationInvalid(
            _("Keep your statement to %(limit)d characters or fewer (it has %(count)d).")
            % {"limit": STATEMENT_MAX_LENGTH, "count": len(text)},
            field="text",
        )
    conversation = Conversation.objects.get(pk=conversation.pk)
    if conversation.status != Conversation.Status.OPEN:
        raise DeliberationRefused(_("This conversation is closed: it no longer takes statements."))
    if resident.confirmed_at is None:
        raise DeliberationRefused(
            _("Use the link we sent you to confirm your email or phone before writing a statement.")
        )
    if Statement.objects.filter(conversation=conversation, text__iexact=text).exists():
        raise DeliberationInvalid(_("This statement is in the conversation already."), field="text")
    if resident.user_id is None and rate_limit_exceeded(
        scope="conversation-statement",
        subject=str(resident.pk),
        limit=STATEMENTS_PER_PERSON,
        window_seconds=STATEMENT_WINDOW_SECONDS,
    ):
        raise StatementLimitReached(
            _("You are adding statements very fast. Please wait a few minutes and try again.")
        )
    from civicloop.moderation.checks import civility_check  # the same check as every post

    verdict = civility_check().check_many([text])[0]
    moment = now or timezone.now()
    with transaction.atomic():
        author = conversation_join(conversation, resident)
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    return Statement.objects.create(
                        conversation=conversation,
                        external_id=_next_statement_number(conversation),
                        text=text,
                        author=author,
                        moderation=Statement.Moderation.HELD
                        if verdict.held
                        else Statement.Moderation.ACCEPTED,
                        held_reasons=[str(reason) for reason in verdict.reasons],
                        civility_score=round(float(verdict.score), 4),
                        created_at=moment,
                    )
            except IntegrityError:  # another statement took the number at the same moment
                continue
    raise DomainError(_("Could not add your statement; please try again."))


def statement_moderate(
    *,
    statement_id: int,
    seen: str,
    accept: bool,
    moderator: Any,
    reason: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Statement:
    """A moderator accepts or rejects a statement (a held one, or removes an accepted one later).

    ``seen`` is the moderation state the moderator's form showed: if it changed meanwhile, nothing is
    done and :class:`StatementAlreadyDecided` is raised. A rejection needs a code-of-conduct reason.
    Removing a statement that has votes asks for a new analysis, which leaves it out.
    """
    from civicloop.moderation.models import ReasonCode

    note = note.strip()
    if not accept and reason not in ReasonCode.values:
        raise DeliberationInvalid(_("Choose the reason from the list."), field="reason")
    if len(note) > MODERATION_NOTE_MAX:
        raise DeliberationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": MODERATION_NOTE_MAX}, field="note"
        )
    target = Statement.Moderation.ACCEPTED if accept else Statement.Moderation.REJECTED
    moment = now or timezone.now()
    with transaction.atomic():
        statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
        if statement is None:
            raise DeliberationInvalid(_("There is no such statement."), field="statement")
        if statement.moderation != seen or statement.moderation == target:
            raise StatementAlreadyDecided(
                _("This statement was decided already. Nothing was changed; here is its state.")
            )
        Statement.objects.filter(pk=statement.pk).update(
            moderation=target,
            moderated_by=moderator if getattr(moderator, "pk", None) else None,
            moderated_at=moment,
            moderation_reason="" if accept else reason,
            moderation_note=note,
        )
        if not accept and statement.votes.exists():
            transaction.on_commit(
                partial(conversation_analysis_request, statement.conversation_id), robust=True
            )
    statement.refresh_from_db()
    return statement
