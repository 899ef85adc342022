"""Compliance keywords, handled before anything else a text says: opt-out, opt-in and help.

US carriers (CTIA) and the FCC's 2025 TCPA rule: STOP and its synonyms (and any reasonable
revocation in plain words) end every text program at once and get one confirmation; START brings
them back; HELP names the program, its contact, frequency and costs. An opted-out number gets nothing
else but, once, one sentence on how to start again.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.assistant.models import Conversation
from civicloop.assistant.services.conversations import conversation_stage
from civicloop.delivery.models import Channel, Suppression
from civicloop.subscriptions.models import ConsentRecord
from civicloop.subscriptions.services import consent_by_number_record

OPT_OUT_WORDS = {
    "en": {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"},
    "es": {"PARAR", "CANCELAR", "BAJA"},
}
OPT_IN_WORDS = {"en": {"START", "YES", "UNSTOP"}, "es": {"SI"}}
HELP_WORDS = {"en": {"HELP", "INFO"}, "es": {"AYUDA"}}

# Revocations in plain words (FCC 2025: "any reasonable means"). Each names the texts or the sender,
# so a report such as "stop sign knocked down" is never taken for one.
_PLAIN_OPT_OUT = {
    "en": [
        r"\b(stop|quit|cease)\s+(texting|messaging|sending|contacting|txting)\b",
        r"\b(stop|no more|quit)\s+(the\s+|these\s+|your\s+|all\s+)?(texts?|messages?|msgs?|sms|alerts?)\b",
        r"\b(don'?t|do not|never)\s+(text|message|contact|sms)\s+(me|this number)\b",
        r"\bunsubscribe\b|\bopt\s*(me\s*)?out\b",
        r"\b(remove|delete|take)\s+(me|my number|this number)\s+(from|off)\b",
        r"^\W*(please\s+)?(stop|quit|end|cancel|revoke)(\W+(please|it|now|pls|plz|thanks|thank you))*\W*$",
        r"\bleave me alone\b",
    ],
    "es": [
        r"\bya no (me )?(manden|envien|mandes|envies|escriban|escribas)\b",
        r"\bya no quiero (recibir|mensajes|textos|sms|alertas)\b",
        r"\bno (me )?(manden|envien|mandes|envies|escriban|escribas) (mas )?(mensajes|textos|sms|alertas)\b",
        r"\bdej(en|a) de (enviar|mandar|escribir)(me)?\b",
        r"\bno quiero (recibir )?(mas )?(mensajes|textos|sms|alertas)\b",
        r"\b(darme|denme|dame|quiero darme) de baja\b",
        r"\b(borren|quiten|eliminen|saquen)(me)? (mi numero|de la lista)\b",
        r"^\W*(por favor\s+)?(parar|para|cancelar|baja|alto)(\W+(por favor|ya|gracias))*\W*$",
    ],
}
_PLAIN_OPT_OUT_RE = {
    language: re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    for language, patterns in _PLAIN_OPT_OUT.items()
}


@dataclass(frozen=True)
class ComplianceReply:
    """What a compliance keyword did: `handled_as` for the record, `text` to send ("" sends nothing)."""

    handled_as: str
    text: str
    language: str


def folded(text: str) -> str:
    """Lowercase, accents removed, curly apostrophes straightened: how keywords and phrases are matched."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).casefold()
    return "".join(char for char in text if not unicodedata.combining(char))


def keyword_of(body: str) -> str:
    """The one word a text is, upper-case and unaccented, stray punctuation aside ("" if not one word)."""
    words = re.findall(r"\w+", folded(body))
    return words[0].upper() if len(words) == 1 else ""


def _language_of(word: str, table: dict[str, set[str]]) -> str | None:
    return next((language for language, words in table.items() if word in words), None)


def plain_words_opt_out(body: str) -> str | None:
    """The language of a revocation in plain words ("stop texting me please", "ya no me manden
    mensajes"), or None. Only short texts count: a long message is a question or a report."""
    text = folded(body)
    if len(text) > 160:
        return None
    return next((language for language, pattern in _PLAIN_OPT_OUT_RE.items() if pattern.search(text)), None)


def _reply(handled_as: str, language: str, text_in_language: Callable[[], str]) -> ComplianceReply:
    with translation.override(language):
        return ComplianceReply(handled_as=handled_as, text=text_in_language(), language=language)


def _city() -> str:
    return settings.CITY_NAME_ES if translation.get_language() == "es" else settings.CITY_NAME


def help_text() -> str:
    """CTIA's HELP answer: program, contact, frequency, costs, how to stop (in the active language)."""
    return _(
        "%(city)s texts: alerts, 311 and idea updates, answers to questions. Help: call 311 or visit "
        "%(site)s. Msg frequency varies. Msg & data rates may apply. Reply STOP to cancel."
    ) % {"city": _city(), "site": settings.SITE_URL}


def opt_out_confirmation_text() -> str:
    return _(
        "%(city)s: you will get no more texts from us (alerts, 311 and idea updates). "
        "Reply START to get them again."
    ) % {"city": _city()}


def opt_in_confirmation_text() -> str:
    return _(
        "%(city)s: texts are on again. Msg frequency varies. Msg & data rates may apply. "
        "Reply HELP for help, STOP to cancel."
    ) % {"city": _city()}


def start_hint_text() -> str:
    return _(
        "%(city)s: you have stopped our texts, so we cannot answer by text. Reply START to get texts "
        "again, or call 311."
    ) % {"city": _city()}


# WhatsApp has its own consent: the same keywords, in words that say what stops is WhatsApp messages.
def whatsapp_help_text() -> str:
    return _(
        "%(city)s on WhatsApp: answers to questions, 311 requests and their updates. Help: call 311 or "
        "visit %(site)s. Reply STOP to stop our WhatsApp messages."
    ) % {"city": _city(), "site": settings.SITE_URL}


def whatsapp_opt_out_confirmation_text() -> str:
    return _(
        "%(city)s: you will get no more WhatsApp messages from us (311 and other updates). "
        "Reply START to get them again."
    ) % {"city": _city()}


def whatsapp_opt_in_confirmation_text() -> str:
    return _("%(city)s: our WhatsApp messages are on again. Reply HELP for help, STOP to stop them.") % {
        "city": _city()
    }


def whatsapp_start_hint_text() -> str:
    return _(
        "%(city)s: you have stopped our WhatsApp messages, so we cannot answer here. Reply START to get "
        "them again, or call 311."
    ) % {"city": _city()}


_TEXTS: dict[str, dict[str, Callable[[], str]]] = {
    Conversation.Channel.SMS: {
        "help": help_text,
        "opt_out": opt_out_confirmation_text,
        "opt_in": opt_in_confirmation_text,
        "start_hint": start_hint_text,
    },
    Conversation.Channel.WHATSAPP: {
        "help": whatsapp_help_text,
        "opt_out": whatsapp_opt_out_confirmation_text,
        "opt_in": whatsapp_opt_in_confirmation_text,
        "start_hint": whatsapp_start_hint_text,
    },
}


def _text(conversation: Conversation, name: str) -> Callable[[], str]:
    return _TEXTS.get(conversation.channel, _TEXTS[Conversation.Channel.SMS])[name]


def sms_opt_out(*, conversation: Conversation, now: datetime | None = None) -> bool:
    """Suppress the number for every program on the conversation's channel (SMS, or WhatsApp) at once;
    True if it was not opted out already.

    The suppression list is checked when each queued text is claimed for sending, so nothing queued
    before this moment goes out either.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        Suppression.objects.update_or_create(
            channel=_suppression_channel(conversation),
            value=conversation.phone,
            defaults={"reason": Suppression.Reason.OPTED_OUT},
        )
        first = conversation.opted_out_at is None
        if first:  # a new opt-out period, with its own one "how to start again" sentence
            conversation_stage(
                conversation, opted_out_at=moment, start_hint_sent_at=None, step="", context={}
            )
    return first


def sms_opt_in(*, conversation: Conversation) -> None:
    """The number asked for texts again: its opt-out (and only an opt-out) is lifted."""
    with transaction.atomic():
        Suppression.objects.filter(
            channel=_suppression_channel(conversation),
            value=conversation.phone,
            reason=Suppression.Reason.OPTED_OUT,
        ).delete()
        conversation_stage(conversation, opted_out_at=None, start_hint_sent_at=None)


def sms_opted_out(phone: str, channel: str = Channel.SMS) -> bool:
    return Suppression.objects.filter(
        channel=channel, value=phone, reason=Suppression.Reason.OPTED_OUT
    ).exists()


def _suppression_channel(conversation: Conversation) -> str:
    # WhatsApp's opt-out is its own: it never stops the number's texts, nor the reverse.
    return Channel.WHATSAPP if conversation.channel == Conversation.Channel.WHATSAPP else Channel.SMS


def _recorded(conversation: Conversation, reply: ComplianceReply) -> ComplianceReply:
    """The opt-out or opt-in kept as consent evidence for the number's subscribers on this channel:
    when, from where, and the words sent back."""
    action = (
        ConsentRecord.Action.UNSUBSCRIBE if reply.handled_as == "opt_out" else ConsentRecord.Action.SUBSCRIBE
    )
    channel = _suppression_channel(conversation)
    consent_by_number_record(
        kind=channel,
        value=conversation.phone,
        action=action,
        source=f"{channel}-keyword",
        text=reply.text,
        language=reply.language,
    )
    return reply


def compliance_handle(
    *, conversation: Conversation, body: str, now: datetime | None = None
) -> ComplianceReply | None:
    """Opt-out, opt-in and help, before anything else; None when the text is none of them.

    An opted-out number gets only the opt-out's one confirmation and, once, the sentence on how to
    start again (whatever it sends, HELP included); every other text it sends gets no reply.
    """
    word = keyword_of(body)
    current = conversation.language or "en"
    suppressed = conversation.sms_suppressed  # read with the conversation (None: it was not)
    opted_out = conversation.opted_out_at is not None or (
        suppressed
        if suppressed is not None
        else sms_opted_out(conversation.phone, _suppression_channel(conversation))
    )
    opt_out_language = _language_of(word, OPT_OUT_WORDS) or plain_words_opt_out(body)
    if opt_out_language:
        # A Spanish word is answered in Spanish; an English one in the conversation's language.
        language = "es" if opt_out_language == "es" else current
        first = sms_opt_out(conversation=conversation, now=now)
        # Confirmed once: a second STOP while opted out gets nothing.
        if not first:
            return ComplianceReply(handled_as="opt_out_repeat", text="", language=language)
        return _recorded(conversation, _reply("opt_out", language, _text(conversation, "opt_out")))
    opt_in_language = _language_of(word, OPT_IN_WORDS)
    if opt_in_language and opted_out:
        sms_opt_in(conversation=conversation)
        reply = _reply("opt_in", "es" if opt_in_language == "es" else current, _text(conversation, "opt_in"))
        return _recorded(conversation, reply)
    if opted_out:
        if conversation.start_hint_sent_at is not None:
            return ComplianceReply(handled_as="while_opted_out", text="", language=current)
        conversation_stage(conversation, start_hint_sent_at=now or timezone.now())
        language = "es" if _language_of(word, HELP_WORDS) == "es" else current
        return _reply("start_hint", language, _text(conversation, "start_hint"))
    help_language = _language_of(word, HELP_WORDS)
    if help_language:
        return _reply("help", "es" if help_language == "es" else current, _text(conversation, "help"))
    return None
