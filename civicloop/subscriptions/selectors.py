"""Reads for the subscription pages, the emails and (later) the delivery engine."""

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicloop.core.context_processors import city_name
from civicloop.core.languages import city_language
from civicloop.subscriptions.errors import LinkInvalid, LinkUsed
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Language, Subscriber
from civicloop.subscriptions.tokens import TokenPurpose, token_make, token_read


def language_supported(code: str | None) -> str:
    """One of the subscription languages for a request or browser language code ("es-MX" → "es",
    "zh-Hans-CN" or "zh-CN" → "zh-hans"); English for any other."""
    language = city_language(code)
    return language if language in Language.values else Language.EN.value


def subscriber_for_token(*, token: str, purpose: TokenPurpose) -> Subscriber:
    """The subscriber a link token is for. Raises LinkInvalid, LinkExpired or LinkUsed; changes nothing."""
    payload = token_read(token=token, purpose=purpose)
    subscriber = Subscriber.objects.filter(pk=payload.subscriber_id).first()
    if subscriber is None:
        raise LinkInvalid(_("This link is not valid."))
    if subscriber.token_version != payload.token_version:
        raise LinkUsed(_("This link has already been used."))
    return subscriber


def subscriber_needs_confirming(subscriber: Subscriber) -> bool:
    """True while the subscriber is not active or one of their email addresses is unconfirmed."""
    if subscriber.status != Subscriber.Status.ACTIVE:
        return True
    return subscriber.contact_points.filter(kind=ContactPoint.Kind.EMAIL, confirmed_at__isnull=True).exists()


def subscription_token(subscriber: Subscriber, purpose: TokenPurpose) -> str:
    return token_make(subscriber_id=subscriber.pk, token_version=subscriber.token_version, purpose=purpose)


def subscription_confirm_url(subscriber: Subscriber) -> str:
    """Absolute confirmation link (valid 7 days)."""
    token = subscription_token(subscriber, TokenPurpose.CONFIRM)
    return settings.SITE_URL + reverse("subscriptions:confirm", args=[token])


def _link_prefix(name: str) -> str:
    return settings.SITE_URL + _path_prefix(name)


@lru_cache(maxsize=8)
def _path_prefix(name: str) -> str:
    # reverse() is slow enough to matter per recipient in a bulk send: resolve each path once.
    marker = "TOKEN"
    return reverse(name, args=[marker]).rsplit(marker, 1)[0]


def subscription_links(subscriber: Subscriber) -> dict[str, str]:
    """Absolute links for every message to this subscriber: preferences_url and unsubscribe_url.

    Both stay valid for 365 days, until the subscriber unsubscribes (token_version changes).
    """
    preferences = subscription_token(subscriber, TokenPurpose.PREFERENCES)
    unsubscribe = subscription_token(subscriber, TokenPurpose.UNSUBSCRIBE)
    return {
        "preferences_url": f"{_link_prefix('subscriptions:preferences')}{preferences}/",
        "unsubscribe_url": f"{_link_prefix('subscriptions:unsubscribe')}{unsubscribe}/",
    }


def subscription_list_unsubscribe_headers(subscriber: Subscriber) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers for a bulk email to this subscriber (one-click unsubscribe)."""
    return {
        "List-Unsubscribe": f"<{subscription_links(subscriber)['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def subscriber_preferences_initial(subscriber: Subscriber) -> dict[str, Any]:
    """The subscriber's choices as initial data for the preferences form."""
    return {
        "topics": list(subscriber.topics.values_list("pk", flat=True)),
        "areas": list(subscriber.areas.values_list("pk", flat=True)),
        "all_areas": subscriber.all_areas,
        "language": subscriber.language,
        "frequency": subscriber.frequency,
    }


def subscriber_preferences_snapshot(subscriber: Subscriber) -> dict[str, Any]:
    """The subscriber's choices in stable terms (slugs, area numbers) for a consent record."""
    return {
        "topics": sorted(subscriber.topics.values_list("slug", flat=True)),
        "areas": sorted(subscriber.areas.values_list("number", flat=True)),
        "all_areas": subscriber.all_areas,
        "language": subscriber.language,
        "frequency": subscriber.frequency,
    }


def _masked(contact_point: ContactPoint) -> str:
    if contact_point.kind == ContactPoint.Kind.EMAIL:
        local, _at, domain = contact_point.value.partition("@")
        return f"{local[:2]}{'•' * 3}@{domain}"
    return f"{'•' * 4}{contact_point.value[-4:]}"


def subscriber_contact_summary(subscriber: Subscriber) -> list[dict[str, Any]]:
    """The subscriber's contact points, partly masked (a forwarded link should not reveal them)."""
    return [
        {
            "kind": point.get_kind_display(),
            "value": _masked(point),
            "confirmed": point.confirmed_at is not None,
        }
        for point in subscriber.contact_points.all()
    ]


def consent_text(*, action: str, language: str) -> str:
    """The exact words shown before an action, in that language; the consent record stores them."""
    with translation.override(language):
        city = city_name()
        if action == ConsentRecord.Action.SUBSCRIBE:
            return _(
                "By subscribing, you agree that %(city)s may send you updates about the topics and "
                "areas you chose, in the language and at the frequency you chose, to the email address "
                "and mobile number you gave. We first ask you to confirm, and send nothing else until "
                "you do. Every message has a link to change your choices or unsubscribe. Message and "
                "data rates may apply to text messages."
            ) % {"city": city}
        if action == ConsentRecord.Action.CONFIRM:
            return _(
                "I confirm that I want to receive updates from %(city)s about the topics and areas I "
                "chose. I can change my choices or unsubscribe at any time."
            ) % {"city": city}
        if action == ConsentRecord.Action.PREFERENCES_CHANGE:
            return _(
                "By saving, you agree that %(city)s may send you updates about the topics and areas "
                "you chose, in the language and at the frequency you chose. You can unsubscribe at any time."
            ) % {"city": city}
        if action == ConsentRecord.Action.UNSUBSCRIBE:
            return _(
                "If you unsubscribe, %(city)s will stop sending you these updates by email and text "
                "message. You can subscribe again at any time."
            ) % {"city": city}
    raise ValueError(f"no consent text for action {action!r}")


def sms_confirmation_text(*, language: str) -> str:
    """The text that asks a number given on the web to reply YES (its consent record quotes it)."""
    with translation.override(language):
        return _(
            "%(city)s: reply YES to confirm the text updates you asked for. Msg frequency varies. "
            "Msg & data rates may apply. Reply HELP for help, STOP to cancel."
        ) % {"city": city_name()}


def subscriber_for_phone(phone: str, kind: str = ContactPoint.Kind.SMS) -> Subscriber | None:
    """The subscriber a mobile number (E.164) belongs to by text (or on WhatsApp, `kind`), with topics
    and areas loaded, or None."""
    point = (
        ContactPoint.objects.filter(kind=kind, value=phone)
        .select_related("subscriber")
        .prefetch_related("subscriber__topics", "subscriber__areas")
        .first()
    )
    return point.subscriber if point else None
