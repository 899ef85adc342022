"""The assistant's answer to a text that is no compliance keyword, the same for SMS and the web.

In order: MENU / RESTART (start over), LANG ES / LANG EN (the conversation's language), STATUS /
ESTADO <number> (a 311 request's public status), a number picked from a menu offered just before,
then a question for the knowledge base. The conversation's step and context are stored on it, so a
conversation survives any number of web processes and workers.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.assistant.models import Conversation
from civicloop.assistant.services.compliance import folded, keyword_of
from civicloop.core.errors import NotFound
from civicloop.core.sms import sms_fit, sms_max_segments
from civicloop.servicerequests.web_selectors import service_request_for_tracking
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.selectors import subscriber_for_phone, subscription_links
from civicloop.subscriptions.services import subscription_confirm_by_text

RESTART_WORDS = {"MENU", "RESTART", "INICIO", "REINICIAR"}
CONFIRM_WORDS = {"YES", "SI"}
ALERTS_WORDS = {"ALERTS", "ALERTAS"}
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


def _subscription_reply(conversation: Conversation, body: str) -> EngineReply | None:
    """YES / SÍ confirms the number's pending subscription; ALERTS says what it gets. None otherwise."""
    word = keyword_of(body)
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
    from civicloop.assistant.selectors import faq_menu_pick, faq_reply  # the knowledge base's reads

    if conversation.step == STEP_MENU and keyword_of(body).isdigit():
        picked = faq_menu_pick(conversation.context.get("menu", []), keyword_of(body))
        if picked is not None:
            _save(conversation)
            return EngineReply(picked, "faq_menu_pick")
    reply = faq_reply(body, language=conversation.language or None)
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
