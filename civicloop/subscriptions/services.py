"""Writes for subscriptions: request, confirm (double opt-in), change preferences, unsubscribe.

Every write records the consent text the person saw. Nothing is sent to a subscriber before they
confirm, except the confirmation email itself, and that only after the transaction commits.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.core.context_processors import city_name
from civicloop.places.models import CommunityArea
from civicloop.subscriptions.contacts import email_normalise, phone_normalise
from civicloop.subscriptions.errors import AlreadyConfirmed, LinkInvalid, LinkUsed, SubscriptionInvalid
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Frequency, Language, Subscriber
from civicloop.subscriptions.selectors import (
    consent_text,
    language_supported,
    sms_confirmation_text,
    subscriber_needs_confirming,
    subscriber_preferences_snapshot,
    subscription_confirm_url,
    subscription_links,
    subscription_list_unsubscribe_headers,
)
from civicloop.subscriptions.signals import phone_confirmation_wanted
from civicloop.subscriptions.tokens import TokenPurpose, token_read
from civicloop.topics.models import Topic

logger = logging.getLogger(__name__)

CHANNEL_WEB = "web"
CHANNEL_EMAIL_ONE_CLICK = "email-one-click"
CHANNEL_SMS = "sms"


def _ids(items: Iterable[Model | int | str]) -> set[int]:
    return {int(item.pk) if isinstance(item, Model) else int(item) for item in items}


def _choices_validate(
    *,
    topics: Iterable[Topic | int],
    areas: Iterable[CommunityArea | int],
    all_areas: bool,
    language: str,
    frequency: str,
) -> tuple[set[int], set[int]]:
    try:
        topic_ids, area_ids = _ids(topics), _ids(areas)
    except (TypeError, ValueError) as error:
        raise SubscriptionInvalid(_("Choose topics and areas from the lists."), field="topics") from error
    if not topic_ids:
        raise SubscriptionInvalid(_("Choose at least one topic."), field="topics")
    if Topic.objects.filter(pk__in=topic_ids).count() != len(topic_ids):
        raise SubscriptionInvalid(_("Choose topics from the list."), field="topics")
    if not all_areas and not area_ids:
        raise SubscriptionInvalid(_("Choose at least one community area, or All of Chicago."), field="areas")
    if area_ids and CommunityArea.objects.filter(pk__in=area_ids).count() != len(area_ids):
        raise SubscriptionInvalid(_("Choose community areas from the list."), field="areas")
    if language not in Language.values:
        raise SubscriptionInvalid(_("Choose a language from the list."), field="language")
    if frequency not in Frequency.values:
        raise SubscriptionInvalid(_("Choose how often from the list."), field="frequency")
    return topic_ids, area_ids


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
) -> Subscriber:
    with transaction.atomic():
        points = ContactPoint.objects.select_for_update().select_related("subscriber")
        email_point = points.filter(kind=ContactPoint.Kind.EMAIL, value=email).first() if email else None
        phone_point = points.filter(kind=ContactPoint.Kind.SMS, value=phone).first() if phone else None
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
            phone_point = ContactPoint.objects.create(
                subscriber=subscriber, kind=ContactPoint.Kind.SMS, value=phone
            )
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
) -> Subscriber:
    """Ask for updates; returns the (new or continued) subscriber, pending until confirmed.

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
    }
    try:
        return _subscription_request_once(**arguments)  # type: ignore[arg-type]
    except IntegrityError:
        # Two requests for the same new address raced; the loser continues the winner's subscriber.
        return _subscription_request_once(**arguments)  # type: ignore[arg-type]


def contact_point_ensure(*, kind: str, value: str, language: str) -> ContactPoint:
    """A way to reach someone for notifications they asked for (a 311 request's updates).

    An existing contact point is reused. Otherwise a pending subscriber with no topics is made:
    announcements go only to active subscribers, so this never subscribes anyone to anything else.
    `value` must already be normalised (email lowercased, phone E.164).
    """
    points = ContactPoint.objects.select_related("subscriber")
    point = points.filter(kind=kind, value=value).first()
    if point is not None:
        return point
    try:
        with transaction.atomic():
            subscriber = Subscriber.objects.create(language=language_supported(language))
            return ContactPoint.objects.create(subscriber=subscriber, kind=kind, value=value)
    except IntegrityError:  # someone else added the same address a moment ago: use theirs
        return points.get(kind=kind, value=value)


def _subscriber_locked(*, token: str, purpose: TokenPurpose) -> Subscriber:
    payload = token_read(token=token, purpose=purpose)
    subscriber = Subscriber.objects.select_for_update().filter(pk=payload.subscriber_id).first()
    if subscriber is None:
        raise LinkInvalid(_("This link is not valid."))
    if subscriber.token_version != payload.token_version:
        raise LinkUsed(_("This link has already been used."))
    return subscriber


def subscription_confirm(*, token: str, consent_language: str | None = None) -> Subscriber:
    """Double opt-in: make the subscriber active and their email confirmed, with a "confirm" ConsentRecord.

    Raises LinkInvalid / LinkExpired (after 7 days) / LinkUsed (after an unsubscribe), and
    AlreadyConfirmed when there is nothing left to confirm; in every such case nothing changes.
    """
    with transaction.atomic():
        subscriber = _subscriber_locked(token=token, purpose=TokenPurpose.CONFIRM)
        if not subscriber_needs_confirming(subscriber):
            raise AlreadyConfirmed(_("This subscription is already confirmed."))
        now = timezone.now()
        subscriber.contact_points.filter(kind=ContactPoint.Kind.EMAIL, confirmed_at__isnull=True).update(
            confirmed_at=now, updated_at=now
        )
        if subscriber.status != Subscriber.Status.ACTIVE:
            subscriber.status, subscriber.confirmed_at = Subscriber.Status.ACTIVE, now
            subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.CONFIRM,
            channel=CHANNEL_WEB,
            language=language_supported(consent_language or subscriber.language),
        )
    return subscriber


def subscription_confirm_by_text(*, phone: str, reply: str, language: str) -> Subscriber | None:
    """The number replied YES: its pending subscription becomes active and the number confirmed.

    Texting from the number proves it is theirs, as opening the link proves an email address. The
    "confirm" ConsentRecord notes the channel (sms), the confirmation wording in their language and
    what they replied. None (nothing changes) when the number has nothing waiting to be confirmed.
    """
    with transaction.atomic():
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("subscriber")
            .filter(kind=ContactPoint.Kind.SMS, value=phone)
            .first()
        )
        if point is None:
            return None
        subscriber = point.subscriber
        if subscriber.status != Subscriber.Status.PENDING:
            return None
        now = timezone.now()
        ContactPoint.objects.filter(pk=point.pk).update(confirmed_at=now, updated_at=now)
        subscriber.status, subscriber.confirmed_at = Subscriber.Status.ACTIVE, now
        subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
        language = language_supported(language)
        wording = sms_confirmation_text(language=language)
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.CONFIRM,
            channel=CHANNEL_SMS,
            language=language,
            text=f"{wording}\n[{reply.strip()[:160]}]",
        )
    return subscriber


def subscription_area_add_by_text(
    *, phone: str, area: CommunityArea, reply: str, language: str
) -> Subscriber | None:
    """AREA <place> from a number: its updates now cover that community area (and the areas already
    chosen) instead of all of Chicago, with a "preferences_change" record of channel sms quoting the
    reply. None when the number has no active subscription (nothing changes).
    """
    with transaction.atomic():
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("subscriber")
            .filter(kind=ContactPoint.Kind.SMS, value=phone)
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
            channel=CHANNEL_SMS,
            language=language,
            text=f"{wording}\n[{reply.strip()[:160]}]",
        )
    return subscriber


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


def _confirmation_email_send(subscriber_id: int, contact_point_id: int) -> None:
    """Send the double opt-in email, in the subscriber's language. Runs after commit."""
    point = (
        ContactPoint.objects.select_related("subscriber")
        .filter(pk=contact_point_id, subscriber_id=subscriber_id, kind=ContactPoint.Kind.EMAIL)
        .first()
    )
    if point is None:
        return
    subscriber = point.subscriber
    with translation.override(subscriber.language):
        context = {
            "city_name": city_name(),
            "confirm_url": subscription_confirm_url(subscriber),
            "topics": [topic.name for topic in subscriber.topics.all()],
            "areas": [area.name for area in subscriber.areas.all()],
            "all_areas": subscriber.all_areas,
            "frequency": subscriber.get_frequency_display(),
            "language": subscriber.language,
            "site_url": settings.SITE_URL,
            "links": subscription_links(subscriber),
        }
        subject = " ".join(render_to_string("subscriptions/email/confirm_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("subscriptions/email/confirm_body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[point.value],
            headers={
                "Content-Language": subscriber.language,
                "Auto-Submitted": "auto-generated",
                **subscription_list_unsubscribe_headers(subscriber),
            },
        )
        message.attach_alternative(
            render_to_string("subscriptions/email/confirm_body.html", context), "text/html"
        )
    try:
        message.send()
    except Exception as error:
        # The person can ask again; never log the address itself.
        logger.warning(
            "Confirmation email for subscriber %s could not be sent: %s", subscriber_id, type(error).__name__
        )


def unconfirmed_subscribers_forget(cutoff: datetime) -> int:
    """Retention: subscriptions never confirmed, asked for before `cutoff`, are deleted with their
    addresses (nothing was ever sent to them but the confirmation request). The number deleted."""
    stale = Subscriber.objects.filter(status=Subscriber.Status.PENDING, created_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    Subscriber.objects.filter(pk__in=ids).delete()
    return len(ids)
