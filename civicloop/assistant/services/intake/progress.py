"""Where a report by text is at: its steps, the reply type, and the conversation state it is kept in.

All the intake has gathered lives in the conversation's context, so it survives any number of web
processes; MENU abandons it at any step.
"""

import copy
from dataclasses import dataclass
from typing import Any

from civicloop.assistant.faq import language_guess
from civicloop.assistant.models import Conversation
from civicloop.assistant.services.conversations import conversation_stage

STEP_SERVICE = "intake_service"
STEP_ATTRIBUTE = "intake_attribute"
STEP_LOCATION = "intake_location"
STEP_PHOTO = "intake_photo"
STEPS = {STEP_SERVICE, STEP_ATTRIBUTE, STEP_LOCATION, STEP_PHOTO}
REPORT_WORDS = {"REPORT", "REPORTAR", "311", "REQUEST", "SOLICITUD", "QUEJA"}
# After this many answers that could not be used, the resident gets the web form instead of a loop.
MISSES_MAX = 3
DESCRIPTION_MAX = 500


@dataclass(frozen=True)
class IntakeReply:
    text: str
    handled_as: str


def _save(conversation: Conversation, step: str, intake: dict[str, Any] | None) -> None:
    # A copy: what is written at the message's end is what the intake was at this step.
    context = {"intake": copy.deepcopy(intake)} if intake is not None else {}
    conversation_stage(conversation, step=step, context=context)


def intake_language(conversation: Conversation, body: str) -> str:
    """The resident's choice, else the language the report began in, else this text's, else English."""
    intake = conversation.context.get("intake") or {}
    return conversation.language or intake.get("language") or language_guess(body) or "en"


def intake_in_progress(conversation: Conversation) -> bool:
    return intake_step(conversation.step)


def intake_step(step: str) -> bool:
    return step in STEPS


def is_report_word(word: str) -> bool:
    return word in REPORT_WORDS
