"""Alerts by text: YES confirms a number's web subscription, ALERTS says what it gets, SUBSCRIBE <topic>
adds a topic, AREA <address or community area> narrows the updates to a neighbourhood.

Each acts on the channel it came by: by text on the number's SMS subscription, on WhatsApp on its
WhatsApp one (alerts sent there, consent recorded as whatsapp); the two never mix."""

import re
from dataclasses import dataclass
from difflib import get_close_matches

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from civicloop.assistant.models import Conversation
from civicloop.assistant.services.compliance import folded, keyword_of
from civicloop.core.sms import sms_fit, sms_max_segments
from civicloop.places.geocoding import place_locate
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_by_name
from civicloop.subscriptions.models import ContactPoint, Frequency, Subscriber
from civicloop.subscriptions.selectors import subscriber_for_phone, subscription_links
from civicloop.subscriptions.services import (
    CHANNEL_OF_NUMBER_KIND,
    subscription_area_add_by_text,
    subscription_confirm_by_text,
    subscription_request,
)
from civicloop.topics.models import Topic
from civicloop.topics.selectors import topic_list

CONFIRM_WORDS = {"YES", "SI"}
ALERTS_WORDS = {"ALERTS", "ALERTAS"}
_SUBSCRIBE_RE = re.compile(r"^\s*(?P<verb>subscribe|alta|suscribir|suscribirme)\b\s*(?P<topic>.*)$")
_AREA_RE = re.compile(r"^\s*(?P<verb>area|zona|barrio|neighborhood|neighbourhood)\b\s*[:=]?\s*(?P<place>.*)$")
_TOPIC_FILLER = {"and", "y", "to", "a", "al", "de", "the", "me", "en", "sobre", "about"}


@dataclass(frozen=True)
class AlertsReply:
    text: str
    handled_as: str


def _number_kind(conversation: Conversation) -> str:
    # Asked on WhatsApp, the alerts go to WhatsApp: the number's WhatsApp contact point, never its SMS one.
    if conversation.channel == Conversation.Channel.WHATSAPP:
        return ContactPoint.Kind.WHATSAPP
    return ContactPoint.Kind.SMS


def area_for_text(text: str) -> CommunityArea | None:
    """A community area by its name ("hyde park", "Lakeview"), else the one an address or corner is in."""
    area = community_area_by_name(text)
    if area is not None:
        return area
    place = place_locate(text)
    if place is None or place.community_area_id is None:
        return None
    return CommunityArea.objects.filter(pk=place.community_area_id).first()


def _area_reply(conversation: Conversation, verb: str, words: str, body: str) -> AlertsReply:
    language = conversation.language or ("es" if verb in ("zona", "barrio") else "en")
    with translation.override(language):
        if not words.strip():
            return AlertsReply(
                _(
                    "Which area? Reply AREA and a community area or an address, e.g. AREA Hyde Park or "
                    "AREA 3500 S Halsted."
                ),
                "area_unclear",
            )
        area = area_for_text(words)
        if area is None:
            return AlertsReply(
                _(
                    "We could not find that place in Chicago. Try a community area or an address, e.g. "
                    "AREA Hyde Park or AREA 3500 S Halsted."
                ),
                "area_unknown",
            )
        subscriber = subscription_area_add_by_text(
            phone=conversation.phone,
            area=area,
            reply=body,
            language=language,
            kind=_number_kind(conversation),
        )
        if subscriber is None:
            return AlertsReply(
                _("This number gets no updates yet. Text SUBSCRIBE and a topic first, e.g. SUBSCRIBE parks."),
                "area_no_subscription",
            )
        added = _("Added %(area)s.") % {"area": area.name}
        return AlertsReply(_alerts_summary(subscriber, conversation, before=added), "area_added")


def _alerts_summary(subscriber: Subscriber, conversation: Conversation, *, before: str = "") -> str:
    """What a number gets on the channel it wrote from, in the active language: topics, areas, frequency,
    and the link to change it (kept whole at the end, the words trimmed if the text must be shorter)."""
    spanish = translation.get_language() == "es"
    topics = ", ".join(topic.name_es if spanish else topic.name_en for topic in subscriber.topics.all())
    areas = _("all of Chicago") if subscriber.all_areas else ", ".join(a.name for a in subscriber.areas.all())
    if conversation.channel == Conversation.Channel.WHATSAPP:
        wording = _(
            "You get WhatsApp messages about: %(topics)s. Where: %(areas)s. How often: %(frequency)s."
        )
    else:
        wording = _("You get texts about: %(topics)s. Where: %(areas)s. How often: %(frequency)s.")
    summary = wording % {
        "topics": topics or _("no topics yet"),
        "areas": areas or _("no area yet"),
        "frequency": subscriber.get_frequency_display(),
    }
    link = subscription_links(subscriber)["preferences_url"]
    return sms_fit(f"{before} {summary}".strip(), link=link, max_segments=sms_max_segments())


def _same_word(typed: str, known: str) -> bool:
    # "transit" for "transportation", "parque" for "parques", "helth" for "health".
    return (
        known.startswith(typed[:5])
        or typed.startswith(known[:5])
        or bool(get_close_matches(typed, [known], 1, 0.8))
    )


def topic_for_text(text: str) -> Topic | None:
    """The one topic a resident's words name ("parks", "transit", "salud"), or None if none or several."""
    words = [word for word in re.findall(r"[a-z]+", folded(text)) if word not in _TOPIC_FILLER]
    if not words:
        return None
    scores: list[tuple[int, Topic]] = []
    for topic in topic_list():
        names = set(re.findall(r"[a-z]+", folded(f"{topic.name_en} {topic.name_es} {topic.slug}")))
        names -= _TOPIC_FILLER
        score = sum(
            any(
                name.startswith(word[:5])
                or word.startswith(name[:5])
                or get_close_matches(word, [name], cutoff=0.8)
                for name in names
            )
            for word in words
            if len(word) >= 3
        )
        if score:
            scores.append((score, topic))
    scores.sort(key=lambda pair: -pair[0])
    if not scores or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return scores[0][1]


def _subscribe_reply(conversation: Conversation, verb: str, words: str) -> AlertsReply:
    """SUBSCRIBE <topic> / ALTA <tema>: the number asks by text, which is its own proof and consent."""
    language = conversation.language or ("es" if verb == "alta" else "en")
    with translation.override(language):
        topic = topic_for_text(words)
        if topic is None:
            names = ", ".join(t.name_es if language == "es" else t.name_en for t in topic_list())
            return AlertsReply(
                _("Which topic? %(topics)s. Reply SUBSCRIBE and a topic, e.g. SUBSCRIBE parks.")
                % {"topics": names},
                "subscribe_unclear",
            )
        kind = _number_kind(conversation)
        existing = subscriber_for_phone(conversation.phone, kind)
        areas = list(existing.areas.all()) if existing else []
        subscription_request(
            email=None,
            phone=conversation.phone,
            topics=[topic],
            areas=areas,
            # A new subscriber hears about the whole city until they choose areas; areas chosen stay.
            all_areas=existing is None or existing.all_areas or not areas,
            language=existing.language if existing else language,
            frequency=existing.frequency if existing else Frequency.IMMEDIATELY,
            consent_language=language,
            channel=CHANNEL_OF_NUMBER_KIND[kind],
            phone_kind=kind,
        )
        subscriber = subscription_confirm_by_text(
            phone=conversation.phone, reply=f"{verb} {words}", language=language, kind=kind
        )
        subscriber = subscriber or subscriber_for_phone(conversation.phone, kind)
        assert subscriber is not None
        added = _("Subscribed to %(topic)s.") % {
            "topic": topic.name_es if language == "es" else topic.name_en
        }
        return AlertsReply(_alerts_summary(subscriber, conversation, before=added), "subscribed")


def alerts_reply(conversation: Conversation, body: str) -> AlertsReply | None:
    """YES / SÍ confirms the number's pending subscription; ALERTS says what it gets; SUBSCRIBE adds a
    topic and AREA a community area. None when the text is none of these."""
    word = keyword_of(body)
    area = _AREA_RE.match(folded(body))
    if area:
        return _area_reply(conversation, area.group("verb"), area.group("place"), body)
    subscribe = _SUBSCRIBE_RE.match(folded(body))
    if subscribe:
        return _subscribe_reply(conversation, subscribe.group("verb"), subscribe.group("topic"))
    if word in CONFIRM_WORDS:
        language = conversation.language or ("es" if word == "SI" else "en")
        subscriber = subscription_confirm_by_text(
            phone=conversation.phone, reply=body, language=language, kind=_number_kind(conversation)
        )
        if subscriber is None:
            return None
        with translation.override(language):
            confirmed = _("Confirmed: you will get the updates you chose.")
            summary = _alerts_summary(subscriber, conversation, before=confirmed)
            return AlertsReply(summary, "subscription_confirmed")
    if word in ALERTS_WORDS:
        subscriber = subscriber_for_phone(conversation.phone, _number_kind(conversation))
        if subscriber is None or subscriber.status != Subscriber.Status.ACTIVE:
            return AlertsReply(
                _("This number gets no updates yet. Choose topics and areas at %(site)s/subscribe/")
                % {"site": settings.SITE_URL},
                "alerts",
            )
        return AlertsReply(_alerts_summary(subscriber, conversation), "alerts")
    return None
