"""The consent record every write makes: the action, the channel, the words the person saw, and
their choices at that moment."""

from civicloop.subscriptions.models import ConsentRecord, Subscriber
from civicloop.subscriptions.selectors import consent_text, subscriber_preferences_snapshot

CHANNEL_WEB = "web"
CHANNEL_EMAIL_ONE_CLICK = "email-one-click"
CHANNEL_SMS = "sms"


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
