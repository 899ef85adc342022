"""core.rows reads and writes a row exactly as the ORM does (JSON, dates, foreign keys), on either database."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.core.rows import row_exists, row_get, row_insert, row_update

MOMENT = datetime(2026, 12, 6, 17, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.django_db
def test_a_row_written_and_read_without_the_compiler_equals_the_orms():
    conversation = Conversation(
        channel="sms",
        phone="+13125550123",
        language="es",
        step="intake_attribute",
        context={"intake": {"answers": {"SIZE": ["12"]}, "place": None}, "ñ": "sí"},
        created_at=MOMENT,
        last_message_at=MOMENT,
    )
    row_insert(conversation)
    assert conversation.pk and not conversation._state.adding

    read = row_get(Conversation, channel="sms", phone="+13125550123")
    orm = Conversation.objects.get(pk=conversation.pk)
    assert read is not None and read.pk == orm.pk
    for field in Conversation._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
    assert read.context == {"intake": {"answers": {"SIZE": ["12"]}, "place": None}, "ñ": "sí"}
    assert read.created_at == MOMENT and read.opted_out_at is None
    assert row_get(Conversation, channel="sms", phone="+13125559999") is None
    assert row_get(Conversation, channel="web", phone="+13125550123") is None


@pytest.mark.django_db
def test_an_update_and_an_insert_with_a_foreign_key_land_as_through_the_orm():
    conversation = Conversation.objects.create(
        channel="sms", phone="+13125550100", created_at=MOMENT, last_message_at=MOMENT
    )
    later = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert (
        row_update(
            Conversation, conversation.pk, {"step": "", "context": {"menu": ["a"]}, "opted_out_at": later}
        )
        == 1
    )
    conversation.refresh_from_db()
    assert (conversation.step, conversation.context, conversation.opted_out_at) == (
        "",
        {"menu": ["a"]},
        later,
    )

    inbound = AssistantMessage(
        conversation=conversation, direction="in", body="hola", provider_message_id="SM1", created_at=later
    )
    row_insert(inbound)
    reply = AssistantMessage(
        conversation=conversation, direction="out", body="¡Hola!", in_reply_to=inbound, created_at=later
    )
    row_insert(reply)
    stored = AssistantMessage.objects.get(pk=reply.pk)
    assert (stored.in_reply_to_id, stored.body, stored.media, stored.remote_meta) == (
        inbound.pk,
        "¡Hola!",
        [],
        {},
    )
    assert row_exists(AssistantMessage, direction="in", provider_message_id="SM1")
    assert not row_exists(AssistantMessage, direction="out", provider_message_id="SM1")


@pytest.mark.django_db(transaction=True)
def test_a_row_insert_keeps_the_unique_constraints():
    conversation = Conversation.objects.create(
        channel="sms", phone="+13125550101", created_at=MOMENT, last_message_at=MOMENT
    )
    row_insert(
        AssistantMessage(
            conversation=conversation, direction="in", provider_message_id="SM2", created_at=MOMENT
        )
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert(
            AssistantMessage(
                conversation=conversation, direction="in", provider_message_id="SM2", created_at=MOMENT
            )
        )
    assert AssistantMessage.objects.filter(provider_message_id="SM2").count() == 1


@pytest.mark.django_db
def test_an_insert_ignoring_conflicts_leaves_a_row_the_unique_index_holds_and_says_so():
    first = Conversation(
        channel="sms", phone="+13125550102", language="es", created_at=MOMENT, last_message_at=MOMENT
    )
    assert row_insert(first, ignore_conflicts=True) is True
    assert first.pk and not first._state.adding

    second = Conversation(
        channel="sms", phone="+13125550102", language="en", created_at=MOMENT, last_message_at=MOMENT
    )
    assert row_insert(second, ignore_conflicts=True) is False
    assert second.pk is None and second._state.adding
    kept = Conversation.objects.get(channel="sms", phone="+13125550102")
    assert (kept.pk, kept.language) == (first.pk, "es")
