"""The staff inbox's service-desk actions: bulk changes on the list, saved views, labels, and on one
conversation assignment, status, labels, private notes and linking (thin views: one service call each)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.assistant import inbox_desk_selectors
from civicloop.assistant.inbox_forms import (
    InboxLabelForm,
    InboxNoteForm,
    InboxSavedViewForm,
    inbox_filters_parse,
    inbox_query,
    posted_ids,
    posted_int,
)
from civicloop.assistant.inbox_views import _staff, _thread_page, _thread_url
from civicloop.assistant.services import desk
from civicloop.core.errors import NotFound


def _back(request: HttpRequest, conversation_id: int | None = None) -> HttpResponseRedirect:
    """Back to the thread, or to the list with the filters it was posted from (a local query string)."""
    if conversation_id is not None:
        return HttpResponseRedirect(_thread_url(conversation_id))
    query = inbox_query(inbox_filters_parse(QueryDict(request.POST.get("query", ""))))  # only known filters
    return HttpResponseRedirect(reverse("staff:inbox") + (f"?{query}" if query else ""))


def _refused(request: HttpRequest, error: desk.DeskRefused) -> None:
    messages.error(request, error.message)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Assign, label or resolve the conversations ticked on the list (one UPDATE each)."""
    ids = posted_ids(request.POST.getlist("conversation"))
    action = request.POST.get("action", "")
    staff = _staff(request)
    if not ids:
        messages.error(request, _("Tick at least one conversation first."))
        return _back(request)
    try:
        if action == "assign":
            assignee = request.POST.get("assignee", "")
            team = request.POST.get("team", "")
            count = desk.desk_assign(
                conversation_ids=ids,
                staff=staff,
                assignee_id=staff.pk if assignee == "me" else posted_int(assignee) if assignee else None,
                team=team if team else None,
            )
            messages.success(
                request,
                ngettext("%(count)d conversation assigned.", "%(count)d conversations assigned.", count)
                % {"count": count},
            )
        elif action == "label":
            count = desk.desk_label_add(
                conversation_ids=ids, label_id=posted_int(request.POST.get("label")) or 0, staff=staff
            )
            messages.success(
                request,
                ngettext("%(count)d conversation labelled.", "%(count)d conversations labelled.", count)
                % {"count": count},
            )
        elif action == "resolve":
            count = desk.desk_status_set(conversation_ids=ids, staff=staff, status="resolved")
            messages.success(
                request,
                ngettext("%(count)d conversation resolved.", "%(count)d conversations resolved.", count)
                % {"count": count},
            )
        else:
            messages.error(request, _("Choose what to do with the conversations."))
    except desk.DeskRefused as error:
        _refused(request, error)
    return _back(request)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_view_save(request: HttpRequest) -> HttpResponse:
    form = InboxSavedViewForm(request.POST)
    query = inbox_query(inbox_filters_parse(QueryDict(request.POST.get("query", ""))))
    if form.is_valid():
        desk.inbox_saved_view_save(owner=_staff(request), name=form.cleaned_data["name"], query=query)
        messages.success(request, _("View saved."))
    else:
        messages.error(request, _("Give the view a name."))
    return HttpResponseRedirect(reverse("staff:inbox") + (f"?{query}" if query else ""))


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    desk.inbox_saved_view_delete(owner=_staff(request), view_id=view_id)
    messages.success(request, _("View removed."))
    return HttpResponseRedirect(reverse("staff:inbox"))


@never_cache
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_labels(request: HttpRequest) -> HttpResponse:
    form = InboxLabelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            desk.inbox_label_create(name=form.cleaned_data["name"], colour=form.cleaned_data["colour"])
        except desk.DeskRefused as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            messages.success(request, _("Label added."))
            return HttpResponseRedirect(reverse("staff:inbox-labels"))
    context = {"form": form, "labels": inbox_desk_selectors.inbox_labels()}
    return render(request, "assistant/staff/inbox_labels.html", context, status=400 if form.errors else 200)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_label_delete(request: HttpRequest, label_id: int) -> HttpResponse:
    desk.inbox_label_delete(label_id=label_id)
    messages.success(request, _("Label removed."))
    return HttpResponseRedirect(reverse("staff:inbox-labels"))


def _one(conversation_id: int) -> None:
    if not inbox_desk_selectors.inbox_conversation_exists(conversation_id):
        raise Http404(_("There is no such conversation."))


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    _one(conversation_id)
    assignee = request.POST.get("assignee", "")
    try:
        desk.desk_assign(
            conversation_ids=[conversation_id],
            staff=_staff(request),
            assignee_id=_staff(request).pk if assignee == "me" else posted_int(assignee) or 0,
            team=request.POST.get("team", ""),
        )
    except desk.DeskRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("Assignment saved."))
    return _back(request, conversation_id)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    _one(conversation_id)
    try:
        desk.desk_status_set(
            conversation_ids=[conversation_id], staff=_staff(request), status=request.POST.get("status", "")
        )
    except desk.DeskRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("Status saved."))
    return _back(request, conversation_id)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_label_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    _one(conversation_id)
    try:
        desk.desk_label_add(
            conversation_ids=[conversation_id],
            label_id=posted_int(request.POST.get("label")) or 0,
            staff=_staff(request),
        )
    except desk.DeskRefused as error:
        _refused(request, error)
    return _back(request, conversation_id)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_label_remove(request: HttpRequest, conversation_id: int, label_id: int) -> HttpResponse:
    _one(conversation_id)
    desk.desk_label_remove(conversation_id=conversation_id, label_id=label_id, staff=_staff(request))
    return _back(request, conversation_id)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    form = InboxNoteForm(request.POST)
    if form.is_valid():
        try:
            desk.desk_note_add(
                conversation_id=conversation_id, staff=_staff(request), body=form.cleaned_data["body"]
            )
        except NotFound as error:
            raise Http404(error.message) from error
        except desk.DeskRefused as error:
            form.add_error("body", error.message)
        else:
            messages.success(request, _("Note saved. The resident does not see it."))
            return HttpResponseRedirect(f"{_thread_url(conversation_id)}#notes")
    return _thread_page(request, conversation_id, note_form=form, status=400)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_link(request: HttpRequest, conversation_id: int) -> HttpResponse:
    _one(conversation_id)
    other = posted_int(request.POST.get("other", "").lstrip("#"))
    try:
        desk.desk_link(conversation_id=conversation_id, other_id=other or 0, staff=_staff(request))
    except desk.DeskRefused as error:
        _refused(request, error)
    else:
        messages.success(request, _("Linked: both conversations show as one thread."))
    return _back(request, conversation_id)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_unlink(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        desk.desk_unlink(conversation_id=conversation_id, staff=_staff(request))
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("Unlinked: this conversation shows on its own again."))
    return _back(request, conversation_id)
