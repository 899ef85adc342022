"""FAQ entries for the pages: an entry's public page, and the staff console's list and edit form."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicloop.assistant.models import FaqEntry
from civicloop.core.errors import NotFound


def faq_entry_public(*, external_id: str) -> FaqEntry:
    """One entry for its public page; NotFound when there is none with this id."""
    entry = (
        FaqEntry.objects.select_related("topic", "service")
        .defer("embedding")
        .filter(external_id=external_id)
        .first()
    )
    if entry is None:
        raise NotFound(_("There is no such question."))
    return entry


# ---------------------------------------------------------------------------------------------------------
# The staff console


def faq_entry_staff_list(*, text: str = "", language: str = "", topic: str = "") -> QuerySet[FaqEntry]:
    """Entries for the staff list, most recently changed first, with their topic and service (no N+1).

    `text` is found in the question, the answer or the id; `language` is a code, `topic` a topic slug
    (empty: any). The embedding is left out: the list never shows it.
    """
    entries = FaqEntry.objects.select_related("topic", "service").defer("embedding")
    text = text.strip()
    if text:
        entries = entries.filter(
            Q(question__icontains=text) | Q(answer__icontains=text) | Q(external_id__icontains=text)
        )
    if language:
        entries = entries.filter(language=language)
    if topic:
        entries = entries.filter(topic__slug=topic)
    return entries.order_by("-updated_at", "-pk")


def faq_entry_for_staff(*, entry_id: int) -> FaqEntry:
    """One entry to edit or delete in the staff console; NotFound when there is none."""
    entry = FaqEntry.objects.select_related("topic", "service").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no such question."))
    return entry
