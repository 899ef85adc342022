"""The staff inbox (/staff/inbox/): every conversation with the assistant (texts, web chats) and every
reply or mention the city's social accounts get; take one over, answer it, hand it back.

Thin views: parse, authorise (ANSWER_RESIDENTS; full phone numbers with VIEW_CONTACT_DETAILS), call one
service or selector, redirect with a message. Every page works without JavaScript.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.models import User
from civicloop.accounts.permissions import Capability, user_can
from civicloop.assistant import inbox_selectors
from civicloop.assistant.inbox_forms import (
    CHANNEL_CHOICES,
    STATE_CHOICES,
    STATUS_CHOICES,
    InboxLabelForm,
    InboxNoteForm,
    InboxReplyForm,
    InboxSavedViewForm,
    inbox_filters_parse,
    inbox_query,
    new_idempotency_key,
    posted_ids,
    posted_int,
)
from civicloop.assistant.inbox_rules import latest_inbound, reply_rule
from civicloop.assistant.models import Conversation
from civicloop.assistant.services import desk
from civicloop.assistant.services.inbox import (
    InboxReplyFailed,
    InboxReplyRefused,
    inbox_hand_back,
    inbox_reply,
    inbox_take_over,
    whatsapp_inbox_templates,
)
from civicloop.core.errors import NotFound
from civicloop.delivery.whatsapp import whatsapp_window_open

PAGE_SIZE = 50


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # capability_required let only a signed-in user through
    return user


def _shows_contact_details(request: HttpRequest) -> bool:
    return user_can(request.user, Capability.VIEW_CONTACT_DETAILS)


def _thread_url(conversation_id: int) -> str:
    return reverse("staff:inbox-thread", args=[conversation_id])


@never_cache
@require_safe
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox(request: HttpRequest) -> HttpResponse:
    filters = inbox_filters_parse(request.GET)
    conversations = inbox_selectors.inbox_conversations(filters=filters, user_id=_staff(request).pk)
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page", ""))
    shown = list(page.object_list)
    desk.desk_join_same_numbers(shown)  # one number's SMS and WhatsApp join here, not on the hot inbound path
    context = {
        "page": page,
        "rows": inbox_selectors.inbox_rows(shown, show_contact_details=_shows_contact_details(request)),
        "filters": filters,
        "query": inbox_query(filters),
        "channel_choices": CHANNEL_CHOICES,
        "state_choices": STATE_CHOICES,
        "waiting_count": inbox_selectors.inbox_needs_answer_count(),
        "status_choices": STATUS_CHOICES,
        "labels": inbox_selectors.inbox_labels(),
        "languages": [code for code, _name in settings.LANGUAGES],  # the city's languages: no query
        "teams": desk.desk_teams(),
        "colleagues": desk.desk_assignable_staff(),
        "saved_views": inbox_selectors.inbox_saved_views(owner_id=_staff(request).pk),
        "mentions": inbox_selectors.inbox_mentions_for(user_id=_staff(request).pk),
        "view_form": InboxSavedViewForm(),
    }
    return render(request, "assistant/staff/inbox.html", context)


def _whatsapp_context(conversation: Conversation) -> dict[str, Any]:
    """For a WhatsApp conversation: whether a free reply may go, and the approved templates otherwise."""
    if conversation.channel != Conversation.Channel.WHATSAPP:
        return {}
    latest = latest_inbound(conversation)
    window_open = whatsapp_window_open(latest.created_at if latest else None, timezone.now())
    return {
        "whatsapp_window_open": window_open,
        "whatsapp_templates": [] if window_open else whatsapp_inbox_templates(conversation),
    }


def _thread_page(
    request: HttpRequest,
    conversation_id: int,
    *,
    form: InboxReplyForm | None = None,
    note_form: InboxNoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        conversation = inbox_selectors.inbox_conversation(conversation_id=conversation_id)
        if desk.desk_join_same_numbers([conversation]):  # the same number on SMS and WhatsApp
            conversation = inbox_selectors.inbox_conversation(conversation_id=conversation_id)
    except NotFound as error:
        raise Http404(error.message) from error
    show = _shows_contact_details(request)
    members = inbox_selectors.inbox_thread_members(conversation)
    language = conversation.language or "en"
    if form is None:
        canned = request.GET.get("canned", "")
        chosen = request.GET.get("lang", "")
        text = (
            inbox_selectors.inbox_canned_reply_text(
                canned_id=int(canned), language=chosen if chosen in ("en", "es") else language
            )
            if canned.isdigit()
            else ""
        )
        form = InboxReplyForm(initial={"body": text, "idempotency_key": new_idempotency_key()})
    reply_on = inbox_selectors.reply_default_conversation(members)
    if form.is_bound and isinstance(form.data.get("via"), str) and form.data["via"].isdigit():
        reply_on = next((m for m in members if m.pk == int(form.data["via"])), reply_on)
    desk.desk_mentions_seen(user=_staff(request), conversation_id=conversation.pk)
    context: dict[str, Any] = {
        "conversation": conversation,
        "resident": inbox_selectors.resident_label(conversation, show_contact_details=show),
        "thread": inbox_selectors.inbox_joined_thread(members, show_contact_details=show),
        "members": [
            (member, inbox_selectors.resident_label(member, show_contact_details=show)) for member in members
        ],
        "reply_on": reply_on,
        "status_choices": STATUS_CHOICES[1:],
        "labels": inbox_selectors.inbox_labels(),
        "conversation_labels": inbox_selectors.inbox_conversation_labels(conversation_id=conversation.pk),
        "teams": desk.desk_teams(),
        "colleagues": desk.desk_assignable_staff(),
        "notes": inbox_selectors.inbox_notes(conversation_id=conversation.pk),
        "events": inbox_selectors.inbox_desk_events(conversation_id=conversation.pk),
        "note_form": note_form or InboxNoteForm(),
        "canned_replies": inbox_selectors.inbox_canned_replies(),
        "form": form,
        "language": language,
        "taken_over_by_me": conversation.taken_over_by_id == _staff(request).pk,
        "reply_rule": reply_rule(conversation),
        **_whatsapp_context(conversation),
    }
    return render(request, "assistant/staff/inbox_thread.html", context, status=status)


@never_cache
@require_safe
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _thread_page(request, conversation_id)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    form = InboxReplyForm(request.POST)
    if form.is_valid():
        via = form.cleaned_data.get("via") or conversation_id
        try:
            if via != conversation_id and not inbox_selectors.inbox_same_resident(conversation_id, via):
                raise InboxReplyRefused(_("Choose one of this resident's conversations."), field="via")
            result = inbox_reply(
                conversation_id=via,
                staff=_staff(request),
                body=form.cleaned_data["body"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                privately=form.cleaned_data.get("reply_as") == "private",
                whatsapp_template_id=form.cleaned_data.get("whatsapp_template"),
            )
        except NotFound as error:
            raise Http404(error.message) from error
        except InboxReplyRefused as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except InboxReplyFailed as error:
            if not error.retry:  # the stored reply failed for good: another one needs a new key
                data = request.POST.copy()
                data["idempotency_key"] = new_idempotency_key()
                form = InboxReplyForm(data)
                form.is_valid()
            form.add_error(None, error.message)
        else:
            if result.repeated:
                messages.info(request, _("This reply had already been sent; it was not sent again."))
            else:
                messages.success(request, _("Reply sent."))
            return HttpResponseRedirect(f"{_thread_url(conversation_id)}#latest")
    return _thread_page(request, conversation_id, form=form, status=400)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_take_over(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        inbox_take_over(conversation_id=conversation_id, staff=_staff(request))
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("You have taken over this conversation: the assistant will not answer it."))
    return HttpResponseRedirect(_thread_url(conversation_id))


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_hand_back(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = inbox_hand_back(conversation_id=conversation_id, staff=_staff(request))
    except NotFound as error:
        raise Http404(error.message) from error
    if conversation.is_social:  # the assistant never answers on social networks
        messages.success(request, _("Released: nobody has this conversation now."))
    else:
        messages.success(request, _("Handed back: the assistant answers this conversation again."))
    return HttpResponseRedirect(_thread_url(conversation_id))


# ---------------------------------------------------------------------------------- the service desk


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
    context = {"form": form, "labels": inbox_selectors.inbox_labels()}
    return render(request, "assistant/staff/inbox_labels.html", context, status=400 if form.errors else 200)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_label_delete(request: HttpRequest, label_id: int) -> HttpResponse:
    desk.inbox_label_delete(label_id=label_id)
    messages.success(request, _("Label removed."))
    return HttpResponseRedirect(reverse("staff:inbox-labels"))


def _one(conversation_id: int) -> None:
    if not inbox_selectors.inbox_conversation_exists(conversation_id):
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
