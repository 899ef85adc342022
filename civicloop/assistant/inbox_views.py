"""The staff inbox (/staff/inbox/): every conversation with the assistant (texts, web chats) and every
reply or mention the city's social accounts get; take one over, answer it, hand it back.

Thin views: parse, authorise (ANSWER_RESIDENTS; full phone numbers with VIEW_CONTACT_DETAILS), call one
service or selector, redirect with a message. Every page works without JavaScript.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.models import User
from civicloop.accounts.permissions import Capability, user_can
from civicloop.assistant import inbox_desk_selectors, inbox_selectors
from civicloop.assistant.inbox_forms import (
    CHANNEL_CHOICES,
    STATE_CHOICES,
    STATUS_CHOICES,
    InboxNoteForm,
    InboxReplyForm,
    InboxSavedViewForm,
    inbox_filters_parse,
    inbox_query,
    new_idempotency_key,
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
        "labels": inbox_desk_selectors.inbox_labels(),
        "languages": [code for code, _name in settings.LANGUAGES],  # the city's languages: no query
        "teams": desk.desk_teams(),
        "colleagues": desk.desk_assignable_staff(),
        "saved_views": inbox_desk_selectors.inbox_saved_views(owner_id=_staff(request).pk),
        "mentions": inbox_desk_selectors.inbox_mentions_for(user_id=_staff(request).pk),
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
    members = inbox_desk_selectors.inbox_thread_members(conversation)
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
    reply_on = inbox_desk_selectors.reply_default_conversation(members)
    if form.is_bound and isinstance(form.data.get("via"), str) and form.data["via"].isdigit():
        reply_on = next((m for m in members if m.pk == int(form.data["via"])), reply_on)
    desk.desk_mentions_seen(user=_staff(request), conversation_id=conversation.pk)
    context: dict[str, Any] = {
        "conversation": conversation,
        "resident": inbox_selectors.resident_label(conversation, show_contact_details=show),
        "thread": inbox_desk_selectors.inbox_joined_thread(members, show_contact_details=show),
        "members": [
            (member, inbox_selectors.resident_label(member, show_contact_details=show)) for member in members
        ],
        "reply_on": reply_on,
        "status_choices": STATUS_CHOICES[1:],
        "labels": inbox_desk_selectors.inbox_labels(),
        "conversation_labels": inbox_desk_selectors.inbox_conversation_labels(
            conversation_id=conversation.pk
        ),
        "teams": desk.desk_teams(),
        "colleagues": desk.desk_assignable_staff(),
        "notes": inbox_desk_selectors.inbox_notes(conversation_id=conversation.pk),
        "events": inbox_desk_selectors.inbox_desk_events(conversation_id=conversation.pk),
        "ideas": inbox_selectors.inbox_conversation_ideas(conversation_id=conversation.pk),
        "note_form": note_form or InboxNoteForm(),
        "canned_replies": inbox_selectors.inbox_canned_replies(),
        "form": form,
        "language": language,
        "taken_over_by_me": conversation.taken_over_by_id == _staff(request).pk,
        "reply_rule": reply_rule(conversation),
        "targets": inbox_selectors.conversation_targets(conversation),
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
            if via != conversation_id and not inbox_desk_selectors.inbox_same_resident(conversation_id, via):
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
