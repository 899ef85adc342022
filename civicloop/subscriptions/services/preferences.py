"""A subscriber changes their choices: by the preferences link, or a community area by text (AREA)."""

from collections.abc import Iterable

from django.db import transaction

from civicloop.places.models import CommunityArea
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import consent_text, language_supported
from civicloop.subscriptions.services.choices import _choices_validate
from civicloop.subscriptions.services.consent import CHANNEL_OF_NUMBER_KIND, CHANNEL_WEB, _consent_record
from civicloop.subscriptions.services.links import _subscriber_locked
from civicloop.subscriptions.tokens import TokenPurpose
from civicloop.topics.models import Topic


def subscription_preferences_update(
    *,
    token: str,
    topics: Iterable[Topic | int],
    areas: Iterable[CommunityArea | int],
    all_areas: bool,
    language: str,
    frequency: str,
    consent_language: str | None = None,
) -> Subscriber:
    """Replace the choices of the subscriber a preferences link is for, with a "preferences_change" record.

    Raises the Link* errors for a bad link and SubscriptionInvalid(field=...) for bad choices.
    """
    topic_ids, area_ids = _choices_validate(
        topics=topics, areas=areas, all_areas=all_areas, language=language, frequency=frequency
    )
    with transaction.atomic():
        subscriber = _subscriber_locked(token=token, purpose=TokenPurpose.PREFERENCES)
        subscriber.language, subscriber.frequency, subscriber.all_areas = language, frequency, all_areas
        subscriber.save(update_fields=["language", "frequency", "all_areas", "updated_at"])
        subscriber.topics.set(topic_ids)
        subscriber.areas.set(area_ids)
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.PREFERENCES_CHANGE,
            channel=CHANNEL_WEB,
            language=language_supported(consent_language or language),
        )
    return subscriber


def subscription_area_add_by_text(
    *, phone: str, area: CommunityArea, reply: str, language: str, kind: str = ContactPoint.Kind.SMS
) -> Subscriber | None:
    """AREA <place> from a number: its updates now cover that community area (and the areas already
    chosen) instead of all of Chicago, with a "preferences_change" record of the channel it came by
    (`kind`: sms, or whatsapp for the number's WhatsApp subscription) quoting the reply. None when the
    number has no active subscription there (nothing changes).
    """
    with transaction.atomic():
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("subscriber")
            .filter(kind=kind, value=phone)
            .first()
        )
        if point is None or point.subscriber.status != Subscriber.Status.ACTIVE:
            return None
        subscriber = point.subscriber
        subscriber.all_areas = False
        subscriber.save(update_fields=["all_areas", "updated_at"])
        subscriber.areas.add(area)
        language = language_supported(language)
        wording = consent_text(action=ConsentRecord.Action.PREFERENCES_CHANGE, language=language)
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.PREFERENCES_CHANGE,
            channel=CHANNEL_OF_NUMBER_KIND[kind],
            language=language,
            text=f"{wording}\n[{reply.strip()[:160]}]",
        )
    return subscriber
