"""The report's publication and the city's official response, by staff of the conversation's department."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.permissions import department_may_act
from civicloop.deliberation.models import (
    OFFICIAL_RESPONSE_MAX_LENGTH,
    AnalysisResult,
    Conversation,
)
from civicloop.deliberation.services.errors import DeliberationInvalid, DeliberationRefused


def conversation_answering_check(user: Any, conversation: Conversation) -> None:
    """DeliberationRefused unless `user` may answer for the conversation's department."""
    if not department_may_act(user, conversation.department):
        raise DeliberationRefused(
            _("Only %(department)s answers this conversation.") % {"department": conversation.department}
        )


def conversation_report_publish(
    *, conversation: Conversation, user: Any, publish: bool = True, now: datetime | None = None
) -> Conversation:
    """Make the report public (or withdraw it); before publication only staff see it.

    Publishing needs an analysis to show; publishing again keeps the first publication time.
    """
    conversation_answering_check(user, conversation)
    if publish and not AnalysisResult.objects.filter(conversation=conversation).exists():
        raise DeliberationInvalid(
            _("There is no report to publish yet: the opinion map has not been made."), field="publish"
        )
    moment = now or timezone.now()
    rows = Conversation.objects.filter(pk=conversation.pk)
    if publish:
        rows.filter(report_published_at__isnull=True).update(
            report_published_at=moment, report_published_by=user if getattr(user, "pk", None) else None
        )
    else:
        rows.update(report_published_at=None, report_published_by=None)
    conversation.refresh_from_db()
    return conversation


def conversation_official_response_set(
    *, conversation: Conversation, user: Any, body: str, now: datetime | None = None
) -> Conversation:
    """The city's official response shown with the report ("Official response — <department>").

    Residents see it once the report is published; a new response replaces the earlier one.
    """
    conversation_answering_check(user, conversation)
    body = body.strip()
    if not body:
        raise DeliberationInvalid(_("Write the response."), field="body")
    if len(body) > OFFICIAL_RESPONSE_MAX_LENGTH:
        raise DeliberationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": OFFICIAL_RESPONSE_MAX_LENGTH}, field="body"
        )
    department = (getattr(user, "department", "") or conversation.department)[:100]
    Conversation.objects.filter(pk=conversation.pk).update(
        official_response=body,
        official_response_department=department,
        official_response_at=now or timezone.now(),
        official_response_by=user if getattr(user, "pk", None) else None,
    )
    conversation.refresh_from_db()
    return conversation
