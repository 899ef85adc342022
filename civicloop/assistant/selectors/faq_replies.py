"""What the assistant texts back to a question: the answer, a menu of likely entries, or 311."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicloop.assistant.faq import ExternalId, language_guess
from civicloop.assistant.models import FaqEntry
from civicloop.assistant.selectors.faq_calibration import (
    ANSWER_CONFIDENCE,
    ANSWER_LEAD,
    MENU_CONFIDENCE,
    MENU_ITEM_CONFIDENCE,
    MENU_SIZE,
)
from civicloop.assistant.selectors.faq_retrieval import FaqMatch, _match, faq_search
from civicloop.core.errors import NotFound
from civicloop.core.sms import sms_fit, sms_max_segments, sms_segments

FaqReplyKind = Literal["answer", "menu", "none"]


@dataclass(frozen=True)
class FaqReply:
    """What the assistant texts back for a question, and what it was based on.

    kind "answer": `text` is the entry's answer within the budget, with a link to the whole entry.
    kind "menu": `text` offers the `menu` entries by number; store `menu_ids` with the conversation and
    answer a later "2" with `faq_entry_reply(external_id=menu_ids[1], ...)`.
    kind "none": `text` hands the resident over to 311.
    `confidence` is the best match's, whatever the kind.
    """

    kind: FaqReplyKind
    text: str
    confidence: float
    entry: FaqMatch | None = None
    menu: list[FaqMatch] = field(default_factory=list)

    @property
    def answer_id(self) -> ExternalId | None:
        """The answered entry's id as imported (an int stays an int), or None when nothing was answered."""
        return self.entry.imported_id if self.entry else None

    @property
    def menu_ids(self) -> list[str]:
        """The menu's entries in order, as stored (FaqEntry.external_id): strings for the conversation."""
        return [match.external_id for match in self.menu]


def faq_entry_url(external_id: str) -> str:
    """The public page of an entry (full text), absolute: it goes into text messages."""
    return f"{settings.SITE_URL}{reverse('assistant:faq-entry', args=[external_id])}"


def _answer_text(match: FaqMatch, budget_segments: int) -> str:
    return sms_fit(match.answer, link=faq_entry_url(match.external_id), max_segments=budget_segments)


def _shorten(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width - 3)
    return text[: cut if cut > 0 else width - 3].rstrip(" ,;:-¿?") + "..."


def _menu_text(menu: list[FaqMatch], budget_segments: int) -> str:
    footer = [_("Reply 1."), _("Reply 1 or 2."), _("Reply 1, 2 or 3.")][len(menu) - 1]
    header = _("Did you mean one of these?")
    for width in (200, 80, 60, 48, 40, 32, 24, 16):
        lines = [f"{number} {_shorten(match.question, width)}" for number, match in enumerate(menu, start=1)]
        text = "\n".join([header, *lines, footer])
        if sms_segments(text).segments <= budget_segments:
            return text
    return sms_fit(text, max_segments=budget_segments)


def _hand_over_text(budget_segments: int) -> str:
    url = f"{settings.SITE_URL}{reverse('requests:choose')}"
    return sms_fit(
        _("I don't have an answer to that. Call 311 or visit %(url)s") % {"url": url},
        max_segments=budget_segments,
    )


def _menu(matches: list[FaqMatch], language: str) -> list[FaqMatch]:
    plausible = [match for match in matches if match.confidence >= MENU_ITEM_CONFIDENCE]
    # The same entry in two languages is one choice: other languages only when the conversation's has none.
    own = [match for match in plausible if match.language == language]
    return (own or plausible)[:MENU_SIZE]


def faq_reply(text: str, *, language: str | None, budget_segments: int | None = None) -> FaqReply:
    """Decide what to text back to a question: the answer, a menu of likely entries, or a hand-over to 311.

    - "answer" when the best entry's confidence is at least ANSWER_CONFIDENCE and ANSWER_LEAD above the
      next entry in its language: the answer cut to `budget_segments` SMS parts, with a link to its page;
    - "menu" when it is at least MENU_CONFIDENCE: up to MENU_SIZE numbered questions, "Reply 1, 2 or 3";
    - "none" otherwise: "Call 311 or visit <SITE_URL>/requests/new/".
    The reply's own words are in `language` (None: guessed from the text, else the site's language); an
    entry's text is in the entry's language. Always within `budget_segments` parts (default
    settings.SMS_MAX_SEGMENTS), unless a link alone is longer.
    """
    language = language or language_guess(text) or settings.LANGUAGE_CODE
    budget_segments = budget_segments or sms_max_segments()
    matches = faq_search(text, language=language)
    best = matches[0] if matches else None
    confidence = best.confidence if best else 0.0
    with translation.override(language):
        if best is None or confidence < MENU_CONFIDENCE:
            return FaqReply(kind="none", text=_hand_over_text(budget_segments), confidence=confidence)
        runner_up = next((match for match in matches[1:] if match.language == best.language), None)
        lead = confidence - (runner_up.confidence if runner_up else 0.0)
        if confidence >= ANSWER_CONFIDENCE and lead >= ANSWER_LEAD:
            return FaqReply(
                kind="answer", text=_answer_text(best, budget_segments), confidence=confidence, entry=best
            )
        menu = _menu(matches, language)
        return FaqReply(kind="menu", text=_menu_text(menu, budget_segments), confidence=confidence, menu=menu)


def faq_entry_reply(*, external_id: str, budget_segments: int | None = None) -> FaqReply:
    """The answer to an entry the resident chose from a menu (its stored id, from `FaqReply.menu_ids`).

    Raises NotFound when the entry has been removed since the menu was sent.
    """
    row = FaqEntry.objects.filter(external_id=external_id).values_list(
        "pk", "external_id", "question", "answer", "language"
    )
    found = row.first()
    if found is None:
        raise NotFound(_("That answer is no longer available."))
    match = _match(found, 1.0)
    text = _answer_text(match, budget_segments or sms_max_segments())
    return FaqReply(kind="answer", text=text, confidence=1.0, entry=match)


def faq_menu_pick(menu_ids: list[str], choice: str, *, budget_segments: int | None = None) -> str | None:
    """The answer text for "2" after a menu (`FaqReply.menu_ids`), or None when the number is not on it
    or its entry has been removed since."""
    choice = choice.strip()
    if not re.fullmatch(r"[0-9]{1,2}", choice) or not 1 <= int(choice) <= len(menu_ids):
        return None
    try:
        return faq_entry_reply(
            external_id=str(menu_ids[int(choice) - 1]), budget_segments=budget_segments
        ).text
    except NotFound:
        return None
