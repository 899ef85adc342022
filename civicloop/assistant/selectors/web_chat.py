"""Reads for the web chat: a visitor's latest messages, and whether a person is answering them."""

from __future__ import annotations

from civicloop.assistant.models import AssistantMessage, Conversation


def web_conversation_messages(web_key: str, *, limit: int) -> list[AssistantMessage]:
    """A web visitor's latest messages, oldest first (one query)."""
    latest = AssistantMessage.objects.filter(
        conversation__channel=Conversation.Channel.WEB, conversation__web_key=web_key
    ).order_by("-created_at", "-id")[:limit]
    return list(reversed(list(latest.only("direction", "body", "created_at", "sent_by_id"))))


def web_conversation_taken_over(web_key: str) -> bool:
    """Whether a person on the city's staff is answering this web visitor now (not the assistant)."""
    return Conversation.objects.filter(
        channel=Conversation.Channel.WEB, web_key=web_key, taken_over_by__isnull=False
    ).exists()
