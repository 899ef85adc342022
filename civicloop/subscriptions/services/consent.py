"""The consent record every write makes: the action, the channel, the words the person saw, and
their choices at that moment."""

from civicloop.subscriptions.models import ConsentRecord, Subscriber
from civicloop.subscriptions.selectors import consent_text, subscriber_preferences_snapshot

CHANNEL_WEB = "web"
CHANNEL_EMAIL_ONE_CLICK = "email-one-click"
CHANNEL_SMS = "sms"
CHANNEL_WHATSAPP = "whatsapp"
# The consent channel of a number's own words: its texts, or its WhatsApp (each consent is its own).
CHANNEL_OF_NUMBER_KIND = {"sms": CHANNEL_SMS, "whatsapp": CHANNEL_WHATSAPP}


def _consent_record(
    *, subscriber: Subscriber, action: str, channel: str, language: str, text: str | None = None
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        subscriber=subscriber,
        action=action,
        channel=channel,
        text=consent_text(action=action, language=language) if text is None else text,
        language=language,
        preferences=subscriber_preferences_snapshot(subscriber),
    )


def consent_by_number_record(
    *, kind: str, value: str, action: str, source: str, text: str, language: str
) -> int:
    """What a person said from a number (STOP, START, a report they asked updates on): a record for each
    subscriber reached at it on that channel (`kind`: "sms" or "whatsapp"), with the words sent back to
    them and where it came from (`source`, e.g. "whatsapp-keyword"). Returns the records made."""
    subscribers = Subscriber.objects.filter(contact_points__kind=kind, contact_points__value=value).distinct()
    records = [
        ConsentRecord(
            subscriber=subscriber,
            action=action,
            channel=source,
            text=text,
            language=language,
            preferences=subscriber_preferences_snapshot(subscriber),
        )
        for subscriber in subscribers
    ]
    ConsentRecord.objects.bulk_create(records)
    return len(records)
