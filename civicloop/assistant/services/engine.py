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

from civicloop.assistant import selectors
from civicloop.assistant.models import PHONE_CHANNELS, Conversation
from civicloop.assistant.services import alerts_by_text, intake
from civicloop.assistant.services.compliance import folded, keyword_of
from civicloop.assistant.services.conversations import conversation_stage
from civicloop.core.errors import NotFound
from civicloop.core.rows import row_value
from civicloop.servicerequests.web_selectors import service_request_for_status_text

RESTART_WORDS = {"MENU", "RESTART", "INICIO", "REINICIAR"}
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
    conversation_stage(conversation, step=step, context=context or {}, **fields)


def _status_reply(number: str) -> EngineReply:
    public_id = number.upper()
    try:
        request = service_request_for_status_text(public_id)
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


def _may_go_to_knowledge_base(body: str) -> bool:
    # A sentence, not STATUS or LANG: a single word is a keyword, a menu pick or an answer.
    text = folded(body)
    return len(body.split()) >= 2 and not _STATUS_RE.match(text) and not _LANG_RE.match(text)


def reply_prepare(*, channel: str, body: str, phone: str = "", web_key: str = "") -> None:
    """Work that needs no lock, done before the conversation's transaction: the question's embedding
    (SQLite has one writer; the model is the slow part). Only for a text that may go to the knowledge
    base, in a conversation that is not in the middle of a report's questions."""
    if not _may_go_to_knowledge_base(body) or selectors.faq_question_embedded(body):
        return
    identity = {"phone": phone} if channel in PHONE_CHANNELS else {"web_key": web_key}
    step = row_value(Conversation, "step", channel=channel, **identity)
    if not intake.intake_step(step or ""):
        selectors.faq_question_prepare(body)


def conversation_reply(
    conversation: Conversation, body: str, *, media: list[dict[str, str]] | None = None
) -> EngineReply:
    """What the assistant answers `body` (and any MMS `media`) in this conversation; updates its step."""
    now = timezone.now()
    expired = bool(conversation.step) and now - conversation.last_message_at > idle_limit()
    if expired:
        _save(conversation)
    text = folded(body)
    language_match = _LANG_RE.match(text)
    if language_match:
        language = _LANGUAGE_CODES[language_match.group("code")]
        _save(conversation, step=conversation.step, context=conversation.context, language=language)
        with translation.override(language):
            return EngineReply(_("OK, we will write to you in English."), "language")
    word = keyword_of(body)
    if word in RESTART_WORDS:
        _save(conversation)
        with translation.override(conversation.language or "en"):
            return EngineReply(_menu_text(), "menu")
    status_match = _STATUS_RE.match(text)
    if status_match:
        with translation.override(conversation.language or "en"):
            return _status_reply(status_match.group("number"))
    with translation.override(intake.intake_language(conversation, body)):
        if intake.intake_in_progress(conversation):
            reply = intake.intake_continue(conversation, body, media=media)
            return EngineReply(reply.text, reply.handled_as)
        if intake.is_report_word(word) or (body.strip() or media):
            started = intake.intake_start(conversation, body, media=media, force=intake.is_report_word(word))
            if started is not None:
                return _with_expiry_note(EngineReply(started.text, started.handled_as), expired)
    with translation.override(conversation.language or "en"):
        if not body.strip():
            if media:
                return EngineReply(
                    _(
                        "Thanks for the picture. To report a problem, text what and where, e.g. pothole at "
                        "35th and Halsted."
                    ),
                    "media_only",
                )
            return EngineReply(_("We got your message but no text. Ask a question, or reply HELP."), "empty")
        if conversation.channel in (Conversation.Channel.SMS, Conversation.Channel.WHATSAPP):
            alerts = alerts_by_text.alerts_reply(conversation, body)
            if alerts is not None:
                return EngineReply(alerts.text, alerts.handled_as)
        return _with_expiry_note(_knowledge_reply(conversation, body), expired)


def _with_expiry_note(reply: EngineReply, expired: bool) -> EngineReply:
    if not expired:
        return reply
    note = _("(Your last conversation timed out, so we started over.)")
    return EngineReply(f"{note} {reply.text}", reply.handled_as)


def _menu_text() -> str:
    return _(
        "Ask a question about city services in your own words, report a problem (e.g. pothole at 35th and "
        "Halsted, or REPORT), text STATUS and a 311 request number, or LANG ES for Spanish. Reply HELP for "
        "help, STOP to stop."
    )
