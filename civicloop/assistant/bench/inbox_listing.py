"""`civicloop bench inbox`, its second half: the staff inbox with a city's year of conversations in it
(by default 1,000,000 messages in 200,000 conversations across every channel), its first page and a
filtered view timed in-process through Django's whole request cycle, as a member of staff sees them."""

import random
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.conversations import needs_answer_refresh
from civicloop.core.bench import _percentile, page_samples

# Shares of conversations by channel (a city with text first, then the networks).
CHANNEL_SHARES = {"sms": 30, "whatsapp": 15, "facebook": 20, "instagram": 15, "x": 10, "web": 10}
BATCH = 5000
FILTERED = "?channel=whatsapp&state=needs_answer"


def _conversation(channel: str, n: int, last: datetime) -> Conversation:
    identity: dict[str, Any] = {}
    if channel in ("sms", "whatsapp"):
        identity["phone"] = f"+1872{n:07d}"
    elif channel == "web":
        identity["web_key"] = f"bench-{n:012d}"
    else:
        identity |= {
            "remote_account_id": str(3_000_000 + n),
            "remote_handle": f"resident{n}",
            "remote_thread_id": f"dm:{3_000_000 + n}" if n % 2 else str(4_000_000 + n % 500),
        }
    language = "es" if n % 4 == 0 else "en"
    return Conversation(channel=channel, language=language, created_at=last, last_message_at=last, **identity)


def inbox_fill(*, conversations: int, messages: int, seed: int = 2026) -> float:
    """Store the conversations and their messages (in and out, the latest one inbound for about half of
    them) in batches; returns the seconds it took."""
    rng = random.Random(seed)
    started = datetime.now(UTC)
    now = started - timedelta(minutes=1)
    channels = rng.choices(list(CHANNEL_SHARES), weights=list(CHANNEL_SHARES.values()), k=conversations)
    per_conversation, extra = divmod(messages, conversations)
    made: list[Conversation] = []
    for first in range(0, conversations, BATCH):
        batch = [
            _conversation(channels[n], n, now - timedelta(minutes=rng.randrange(90 * 24 * 60)))
            for n in range(first, min(first + BATCH, conversations))
        ]
        with transaction.atomic():
            made += Conversation.objects.bulk_create(batch)
    pending: list[AssistantMessage] = []
    for index, conversation in enumerate(made):
        count = per_conversation + (1 if index < extra else 0)
        last = conversation.last_message_at
        for step in range(count):
            inbound = (count - step) % 2 == 1 if index % 2 else (count - step) % 2 == 0
            pending.append(
                AssistantMessage(
                    conversation_id=conversation.pk,
                    direction=AssistantMessage.Direction.IN if inbound else AssistantMessage.Direction.OUT,
                    body=f"message {step} of conversation {index}",
                    handled_as="social" if conversation.channel not in ("sms", "whatsapp", "web") else "faq",
                    created_at=last - timedelta(minutes=count - 1 - step),
                )
            )
        if len(pending) >= BATCH * 4:
            with transaction.atomic():
                AssistantMessage.objects.bulk_create(pending)
            pending = []
    if pending:
        AssistantMessage.objects.bulk_create(pending)
    needs_answer_refresh()  # written in bulk, not by the message paths that keep it
    return (datetime.now(UTC) - started).total_seconds()


def inbox_pages_time(*, repeat: int) -> dict[str, Any]:
    """The inbox's first page and a filtered view, `repeat` times each, as a member of staff."""
    staff = staff_user_ensure(
        username="bench-inbox",
        email="bench-inbox@city.example",
        role=Role.COMMUNICATIONS,
        password="bench-" + "x" * 20,
        full_name="Bench Inbox",
    )
    client = Client()
    client.force_login(staff)
    report: dict[str, Any] = {}
    with override_settings(DEBUG=False):
        for name, url in (("inbox_list", "/staff/inbox/"), ("inbox_filtered", "/staff/inbox/" + FILTERED)):
            measured = page_samples(client, url, repeat=repeat)
            report[f"{name}_p50_ms"] = round(statistics.median(measured.samples_ms), 2)
            report[f"{name}_p90_ms"] = round(_percentile(measured.samples_ms, 0.9), 2)
            report[f"{name}_queries"] = measured.queries
    report["inbox_filtered_url"] = "/staff/inbox/" + FILTERED
    return report
