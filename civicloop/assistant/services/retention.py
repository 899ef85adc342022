"""Retention (core/retention.py): what residents texted or typed to the assistant is kept for
RETENTION_MESSAGE_BODY_DAYS; then the words and pictures go, and the conversation's record stays
(when, which way, what the assistant did with it), so the figures and the audit trail still add up."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from civicloop.assistant.models import AssistantMessage


def message_bodies_forget(cutoff: datetime) -> int:
    """Blank the text and media of messages (both ways) older than `cutoff`; the number changed."""
    old = AssistantMessage.objects.filter(created_at__lt=cutoff).filter(~Q(body="") | ~Q(media=[]))
    return old.update(body="", media=[])
