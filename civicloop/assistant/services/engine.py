"""The assistant's answer to a text that is no compliance keyword, the same for SMS and the web.

In order: MENU / RESTART (start over), LANG ES / LANG EN (the conversation's language), STATUS /
ESTADO <number> (a 311 request's public status), a number picked from a menu offered just before,
then a question for the knowledge base. The conversation's step and context are stored on it, so a
conversation survives any number of web processes and workers.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from difflib import get_close_matches

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.assistant import selectors
from civicloop.assistant.models import Conversation
from civicloop.assistant.services.compliance import folded, keyword_of
from civicloop.core.errors import NotFound
from civicloop.core.sms import sms_fit, sms_max_segments
from civicloop.servicerequests.web_selectors import service_request_for_tracking
from civicloop.subscriptions.models import Frequency, Subscriber
from civicloop.subscriptions.selectors import subscriber_for_phone, subscription_links
from civicloop.subscriptions.services import CHANNEL_SMS, subscription_confirm_by_text, subscription_request
from civicloop.topics.models import Topic
from civicloop.topics.selectors import topic_list

RESTART_WORDS = {"MENU", "RESTART", "INICIO", "REINICIAR"}
CONFIRM_WORDS = {"YES", "SI"}
ALERTS_WORDS = {"ALERTS", "ALERTAS"}
_SUBSCRIBE_RE = re.compile(r"^\s*(?P<verb>subscribe|alta|suscribir|suscribirme)\b\s*(?P<topic>.*)$")
_TOPIC_FILLER = {"and", "y", "to", "a", "al", "de", "the", "me", "en", "sobre", "about"}
STEP_MENU = "faq_menu"
# A conversation left this long forgets where it was (and says so on the next message).
IDLE_DEFAULT = timedelta(hours=2)
_LANG_RE = re.compile(r"^\s*(lang|idioma|language)\s*[:=]?\s*(?P<code>en|es|english|espanol|ingles)\s*$")
_STATUS_RE = re.compile(r"^\s*(status|estado|estatus)\s*[:#]?\s*(?P<number>[\w-]{1,30})\s*$")
_LANGUAGE_CODES = {"en": "en", "english": "en", "ingles": "en", "es": "es", "espanol": "es"}


@dataclass(frozen=True)
class EngineReply:
    text: str
    handled_as: str


def idle_limit() -> timedelta:
    minutes = getattr(settings, "ASSISTANT_IDLE_MINUTES", None)
    return IDLE_DEFAULT if minutes is None else timedelta(minutes=float(minutes))


def _save(conversation: Conversation, *, step: str = "", context: dict | None = None, **fields: str) -> None:
    values = {"step": step, "context": context or {}, **fields}
    Conversation.objects.filter(pk=conversation.pk).update(**values)
    for name, value in values.items():
        setattr(conversation, name, value)


def _status_reply(number: str) -> EngineReply:
    public_id = number.upper()
    try:
        request = service_request_for_tracking(public_id)
    except NotFound:
        return EngineReply(
            _("We found no 311 request %(number)s. Check the number, or see %(site)s/requests/")
            % {"number": public_id, "site": settings.SITE_URL},
            "status_unknown",
        )
    text = _("311 request %(number)s (%(service)s): %(status)s, updated %(date)s.") % {
        "number": request.public_id,
        "service": request.service.name,
        "status": request.get_detailed_status_display(),
        "date": date_format(timezone.localtime(request.updated_at), "SHORT_DATE_FORMAT"),
    }
    return EngineReply(f"{text} {settings.SITE_URL}{request.get_absolute_url()}", "status")


def _alerts_summary(subscriber: Subscriber, *, before: str = "") -> str:
    """What a number gets, in the active language: topics, areas, frequency, and the link to change it
    (kept whole at the end, the words trimmed if the text must be shorter)."""
    spanish = translation.get_language() == "es"
    topics = ", ".join(topic.name_es if spanish else topic.name_en for topic in subscriber.topics.all())
    areas = _("all of Chicago") if subscriber.all_areas else ", ".join(a.name for a in subscriber.areas.all())
    summary = _("You get texts about: %(topics)s. Where: %(areas)s. How often: %(frequency)s.") % {
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


def _subscribe_reply(conversation: Conversation, verb: str, words: str) -> EngineReply:
    """SUBSCRIBE <topic> / ALTA <tema>: the number asks by text, which is its own proof and consent."""
    language = conversation.language or ("es" if verb == "alta" else "en")
    with translation.override(language):
        topic = topic_for_text(words)
        if topic is None:
            names = ", ".join(t.name_es if language == "es" else t.name_en for t in topic_list())
            return EngineReply(
                _("Which topic? %(topics)s. Reply SUBSCRIBE and a topic, e.g. SUBSCRIBE parks.")
                % {"topics": names},
                "subscribe_unclear",
            )
        existing = subscriber_for_phone(conversation.phone)
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
            channel=CHANNEL_SMS,
        )
        subscriber = subscription_confirm_by_text(
            phone=conversation.phone, reply=f"{verb} {words}", language=language
        )
        subscriber = subscriber or subscriber_for_phone(conversation.phone)
        assert subscriber is not None
        added = _("Subscribed to %(topic)s.") % {
            "topic": topic.name_es if language == "es" else topic.name_en
        }
        return EngineReply(_alerts_summary(subscriber, before=added), "subscribed")


def _subscription_reply(conversation: Conversation, body: str) -> EngineReply | None:
    """YES / SÍ confirms the number's pending subscription; ALERTS says what it gets. None otherwise."""
    word = keyword_of(body)
    subscribe = _SUBSCRIBE_RE.match(folded(body))
    if subscribe:
        return _subscribe_reply(conversation, subscribe.group("verb"), subscribe.group("topic"))
    if word in CONFIRM_WORDS:
        language = conversation.language or ("es" if word == "SI" else "en")
        subscriber = subscription_confirm_by_text(phone=conversation.phone, reply=body, language=language)
        if subscriber is None:
            return None
        with translation.override(language):
            confirmed = _("Confirmed: you will get the updates you chose.")
            return EngineReply(_alerts_summary(subscriber, before=confirmed), "subscription_confirmed")
    if word in ALERTS_WORDS:
        subscriber = subscriber_for_phone(conversation.phone)
        if subscriber is None or subscriber.status != Subscriber.Status.ACTIVE:
            return EngineReply(
                _("This number gets no updates yet. Choose topics and areas at %(site)s/subscribe/")
                % {"site": settings.SITE_URL},
                "alerts",
            )
        return EngineReply(_alerts_summary(subscriber), "alerts")
    return None


def _knowledge_reply(conversation: Conversation, body: str) -> EngineReply:
    """A question for the knowledge base: an answer, a numbered menu of three, or the way to 311."""
    if conversation.step == STEP_MENU and keyword_of(body).isdigit():
        picked = selectors.faq_menu_pick(conversation.context.get("menu", []), keyword_of(body))
        if picked is not None:
            _save(conversation)
            return EngineReply(picked, "faq_menu_pick")
    reply = selectors.faq_reply(body, language=conversation.language or None)
    if reply.kind == "menu":
        _save(conversation, step=STEP_MENU, context={"menu": reply.menu_ids})
    else:
        _save(conversation)
    return EngineReply(reply.text, f"faq_{reply.kind}")


def conversation_reply(conversation: Conversation, body: str) -> EngineReply:
    """What the assistant answers `body` in this conversation; updates its step and language."""
    now = timezone.now()
    expired = bool(conversation.step) and now - conversation.last_message_at > idle_limit()
    if expired:
        _save(conversation)
    text = folded(body)
    language_match = _LANG_RE.match(text)
    if language_match:
        language = _LANGUAGE_CODES[language_match.group("code")]
        _save(conversation, language=language)
        with translation.override(language):
            return EngineReply(_("OK, we will write to you in English."), "language")
    with translation.override(conversation.language or "en"):
        if not body.strip():
            return EngineReply(_("We got your message but no text. Ask a question, or reply HELP."), "empty")
        if keyword_of(body) in RESTART_WORDS:
            _save(conversation)
            return EngineReply(_menu_text(), "menu")
        if conversation.channel == Conversation.Channel.SMS:
            subscription = _subscription_reply(conversation, body)
            if subscription is not None:
                return subscription
        status_match = _STATUS_RE.match(text)
        if status_match:
            return _status_reply(status_match.group("number"))
        reply = _knowledge_reply(conversation, body)
        if expired:
            note = _("(Your last conversation timed out, so we started over.)")
            return EngineReply(f"{note} {reply.text}", reply.handled_as)
        return reply


def _menu_text() -> str:
    return _(
        "Ask a question about city services in your own words, text STATUS and a 311 request number, "
        "or LANG ES for Spanish. Reply HELP for help, STOP to stop."
    )
