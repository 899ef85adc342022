"""Asking for updates by email and/or text: a new subscriber, or the same person's subscription
continued, pending until confirmed."""

from collections.abc import Iterable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicloop.places.models import CommunityArea
from civicloop.subscriptions.contacts import email_normalise, phone_normalise
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import language_supported
from civicloop.subscriptions.services.choices import _choices_validate
from civicloop.subscriptions.services.confirmation import _confirmation_email_send
from civicloop.subscriptions.services.consent import CHANNEL_WEB, _consent_record
from civicloop.subscriptions.signals import phone_confirmation_wanted
from civicloop.topics.models import Topic


def _subscriber_for_contacts(
    *, email_point: ContactPoint | None, phone_point: ContactPoint | None, email: str | None
) -> Subscriber | None:
    """Whose subscription a request with these contact points continues, or None for a new one.

    The email's subscriber first. A new email joins the phone's subscriber only if that
    subscriber has no email yet, so nobody can add their own address to someone else's
    confirmed subscription and take control of it.
    """
    if email_point is not None:
        return email_point.subscriber
    if phone_point is None:
        return None
    subscriber = phone_point.subscriber
    if email and subscriber.contact_points.filter(kind=ContactPoint.Kind.EMAIL).exists():
        return None
    return subscriber


def _subscription_request_once(
    *,
    email: str | None,
    phone: str | None,
    topic_ids: set[int],
    area_ids: set[int],
    all_areas: bool,
    language: str,
    frequency: str,
    consent_language: str,
    channel: str,
    phone_kind: str,
) -> Subscriber:
    with transaction.atomic():
        points = ContactPoint.objects.select_for_update().select_related("subscriber")
        email_point = points.filter(kind=ContactPoint.Kind.EMAIL, value=email).first() if email else None
        phone_point = points.filter(kind=phone_kind, value=phone).first() if phone else None
        subscriber = _subscriber_for_contacts(email_point=email_point, phone_point=phone_point, email=email)
        if subscriber is None:
            subscriber = Subscriber.objects.create(
                language=language, frequency=frequency, all_areas=all_areas
            )
        else:
            # Newest language and frequency win; topics, areas and "all of Chicago" only ever add up.
            subscriber.language, subscriber.frequency = language, frequency
            subscriber.all_areas = subscriber.all_areas or all_areas
            if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
                subscriber.status = Subscriber.Status.PENDING
                subscriber.confirmed_at = subscriber.unsubscribed_at = None
            subscriber.save()
        subscriber.topics.add(*topic_ids)
        subscriber.areas.add(*area_ids)
        if email and email_point is None:
            email_point = ContactPoint.objects.create(
                subscriber=subscriber, kind=ContactPoint.Kind.EMAIL, value=email
            )
        if phone and phone_point is None:
            phone_point = ContactPoint.objects.create(subscriber=subscriber, kind=phone_kind, value=phone)
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.SUBSCRIBE,
            channel=channel,
            language=consent_language,
        )
        needs_confirming = email_point is not None and (
            subscriber.status != Subscriber.Status.ACTIVE or email_point.confirmed_at is None
        )
        if needs_confirming and email_point is not None:
            transaction.on_commit(partial(_confirmation_email_send, subscriber.pk, email_point.pk))
        elif (
            channel == CHANNEL_WEB
            and email_point is None
            and phone_point is not None
            and subscriber.status == Subscriber.Status.PENDING
            and phone_point.confirmed_at is None
        ):
            # No email to confirm with: the number is asked to reply YES (sent by the layer that texts).
            point_id = phone_point.pk
            transaction.on_commit(
                lambda: phone_confirmation_wanted.send(sender=ContactPoint, contact_point_id=point_id)
            )
    return subscriber


def subscription_request(
    *,
    email: str | None,
    phone: str | None,
    topics: Iterable[Topic | int],
    areas: Iterable[CommunityArea | int],
    all_areas: bool,
    language: str,
    frequency: str,
    consent_language: str | None = None,
    channel: str = CHANNEL_WEB,
    phone_kind: str = ContactPoint.Kind.SMS,
) -> Subscriber:
    """Ask for updates; returns the (new or continued) subscriber, pending until confirmed.

    `phone_kind` is how the number is reached: by text (the web's and SMS's), or on WhatsApp when the
    person asked there (that number's WhatsApp contact point, never its SMS one).

    - email and/or phone (at least one) are normalised; raises SubscriptionInvalid(field=...) on bad input.
    - The same email or phone again continues the same subscriber: topics and areas are added,
      all_areas is OR-ed, language and frequency are replaced. An unsubscribed subscriber is pending again.
    - If an email address was given and the subscriber is not active yet, one confirmation email is
      sent to it after commit. Nothing is ever sent to a phone here (SMS confirmation comes later).
    - Writes a "subscribe" ConsentRecord with the consent text in consent_language (default: language).
    """
    email_value = email_normalise(email) if email and email.strip() else None
    phone_value = phone_normalise(phone) if phone and phone.strip() else None
    if email_value is None and phone_value is None:
        raise SubscriptionInvalid(_("Enter an email address or a mobile number, or both."), field="email")
    topic_ids, area_ids = _choices_validate(
        topics=topics, areas=areas, all_areas=all_areas, language=language, frequency=frequency
    )
    arguments = {
        "email": email_value,
        "phone": phone_value,
        "topic_ids": topic_ids,
        "area_ids": area_ids,
        "all_areas": all_areas,
        "language": language,
        "frequency": frequency,
        "consent_language": language_supported(consent_language or language),
        "channel": channel,
        "phone_kind": phone_kind,
    }
    try:
        return _subscription_request_once(**arguments)  # type: ignore[arg-type]
    except IntegrityError:
        # Two requests for the same new address raced; the loser continues the winner's subscriber.
        return _subscription_request_once(**arguments)  # type: ignore[arg-type]
