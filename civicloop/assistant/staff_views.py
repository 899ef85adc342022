"""The assistant's knowledge base in the staff console: communications staff list, write, edit and remove
the FAQ entries the assistant answers residents' texts with.

Thin views: parse, call one selector or service, redirect with a message.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.assistant import selectors
from civicloop.assistant.models import FaqEntry
from civicloop.assistant.services import knowledge
from civicloop.assistant.staff_forms import FaqEntryForm, FaqSearchForm
from civicloop.core.errors import NotFound

PAGE_SIZE = 25


@require_safe
@capability_required(Capability.EDIT_KNOWLEDGE_BASE)
def staff_faq_list(request: HttpRequest) -> HttpResponse:
    search = FaqSearchForm(request.GET)
    filters = search.filters()
    entries = selectors.faq_entry_staff_list(
        text=filters["q"], language=filters["language"], topic=filters["topic"]
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "filters": filters,
        "filtered": any(filters.values()),
        # The filters again, for the page links.
        "query": urlencode({key: value for key, value in filters.items() if value}),
    }
    return render(request, "assistant/staff/faq_list.html", context)


def _console_language(request: HttpRequest) -> str:
    """A new entry starts in the language the editor uses the console in."""
    language = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
    return language if language in knowledge.city_languages() else settings.LANGUAGE_CODE


def _entry(entry_id: int) -> FaqEntry:
    try:
        return selectors.faq_entry_for_staff(entry_id=entry_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _save(form: FaqEntryForm, entry: FaqEntry | None) -> FaqEntry | None:
    """The saved entry, or None with the service's refusal added to the form."""
    data = form.cleaned_data
    fields = {
        "question": data["question"],
        "answer": data["answer"],
        "language": data["language"],
        "topic": data.get("topic"),
        "service": data.get("service"),
    }
    try:
        if entry is None:
            return knowledge.faq_entry_create(**fields)
        # The id it was imported (or created) with is kept: a re-import still finds it.
        return knowledge.faq_entry_save(entry=entry, external_id=entry.external_id, **fields)
    except knowledge.FaqInvalid as error:  # the form checked it all: only a race with an import gets here
        form.add_error(None, error.message)
        return None


def _form_page(request: HttpRequest, form: FaqEntryForm, entry: FaqEntry | None) -> HttpResponse:
    return render(
        request,
        "assistant/staff/faq_form.html",
        {
            "form": form,
            "entry": entry,
            "imported": entry is not None and not entry.external_id.startswith(knowledge.STAFF_ID_PREFIX),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_KNOWLEDGE_BASE)
def staff_faq_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, FaqEntryForm(initial={"language": _console_language(request)}), None)
    form = FaqEntryForm(request.POST)
    saved = _save(form, None) if form.is_valid() else None
    if saved is None:
        return _form_page(request, form, None)
    messages.success(request, _("Saved. The assistant answers with this entry from now on."))
    return redirect("staff:faq-edit", entry_id=saved.pk)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_KNOWLEDGE_BASE)
def staff_faq_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    if request.method == "GET":
        return _form_page(request, FaqEntryForm(entry=entry), entry)
    form = FaqEntryForm(request.POST, entry=entry)
    saved = _save(form, entry) if form.is_valid() else None
    if saved is None:
        return _form_page(request, form, entry)
    messages.success(request, _("Saved. The assistant answers with the new text from now on."))
    return redirect("staff:faq-edit", entry_id=saved.pk)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_KNOWLEDGE_BASE)
def staff_faq_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    """GET asks to confirm; POST removes the entry."""
    entry = _entry(entry_id)
    if request.method == "GET":
        return render(request, "assistant/staff/faq_confirm_delete.html", {"entry": entry})
    knowledge.faq_entry_delete(entry=entry)
    messages.success(request, _("Deleted. The assistant no longer offers this answer."))
    return redirect(reverse("staff:faq-list"))
