"""Unsubscribing by link or one click: everything stops and every earlier link is revoked."""

from django.db import transaction
from django.utils import timezone

from civicloop.subscriptions.models import ConsentRecord, Subscriber
from civicloop.subscriptions.selectors import language_supported
from civicloop.subscriptions.services.consent import CHANNEL_EMAIL_ONE_CLICK, _consent_record
from civicloop.subscriptions.services.links import _subscriber_locked
from civicloop.subscriptions.tokens import TokenPurpose


def subscription_unsubscribe(*, token: str, channel: str, consent_language: str | None = None) -> Subscriber:
    """Stop everything for the subscriber an unsubscribe link is for, and revoke all their links.

    Sets status unsubscribed and unsubscribed_at, raises token_version (every earlier link stops
    working) and writes an "unsubscribe" ConsentRecord. For the RFC 8058 one-click channel the
    record's text is empty: the person's mail app asked and no words were shown.
    Raises the Link* errors (including LinkUsed for a second use); then nothing changes.
    """
    with transaction.atomic():
        subscriber = _subscriber_locked(token=token, purpose=TokenPurpose.UNSUBSCRIBE)
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.token_version += 1
        subscriber.save(update_fields=["status", "unsubscribed_at", "token_version", "updated_at"])
        language = language_supported(consent_language or subscriber.language)
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.UNSUBSCRIBE,
            channel=channel,
            language=language,
            text="" if channel == CHANNEL_EMAIL_ONE_CLICK else None,
        )
    return subscriber
