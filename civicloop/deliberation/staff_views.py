"""The staff side of conversations: opening one with the city's seed statements, closing and reopening it,
publishing the report with the city's official response (staff who run engagement, for the
conversation's department), and moderating residents' statements (moderators).

Thin views: parse, call one service or selector, redirect with a message.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability, department_may_act, user_can
from civicloop.core.errors import NotFound
from civicloop.deliberation import selectors, services
from civicloop.deliberation.forms import (
    ConversationOpenForm,
    ConversationStatusForm,
    OfficialResponseForm,
    PublishForm,
    SeedStatementsForm,
    StatementDecisionForm,
)
from civicloop.deliberation.models import Conversation
from civicloop.moderation.models import ReasonCode

# As engage's staff pages: the roles that run engagement (department staff, communications).
ENGAGEMENT_CAPABILITIES = services.ENGAGEMENT_CAPABILITIES


def engagement_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; staff whose role runs no engagement get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not any(user_can(request.user, capability) for capability in ENGAGEMENT_CAPABILITIES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _conversation(conversation_id: int) -> Conversation:
    try:
        conversation = selectors.conversation_for_page(conversation_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return conversation


def _answerable(request: HttpRequest, conversation_id: int) -> Conversation:
    """The conversation, if the user may answer for its department (403 before any form work)."""
    conversation = _conversation(conversation_id)
    try:
        services.conversation_answering_check(request.user, conversation)
    except services.DeliberationRefused as refusal:
        raise PermissionDenied(refusal.message) from refusal
    return conversation


@require_safe
@engagement_staff_required
def staff_conversations(request: HttpRequest) -> HttpResponse:
    context = {
        "conversations": selectors.conversations_for_staff(),
        "may_moderate": user_can(request.user, Capability.MODERATE),
    }
    return render(request, "deliberation/staff/conversations.html", context)


def _form_field(form: Any, error: services.DeliberationInvalid) -> str | None:
    return error.field if error.field in form.fields else None


@require_http_methods(["GET", "POST"])
@engagement_staff_required
def staff_conversation_new(request: HttpRequest) -> HttpResponse:
    """Open a conversation with seed statements: written together, or nothing and the form's errors."""
    form = ConversationOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = services.conversation_open(
                title=data["title"],
                prompt=data["prompt"],
                space=data["space"],
                question=data["question"],
                seeds=data["seeds"],
                user=request.user,
            )
        except services.DeliberationInvalid as error:
            form.add_error(_form_field(form, error), error.message)
        except services.DeliberationRefused as refusal:
            raise PermissionDenied(refusal.message) from refusal
        else:
            count = conversation.statements.count()
            messages.success(
                request,
                ngettext(
                    "Conversation opened with %(count)d statement: residents can vote now.",
                    "Conversation opened with %(count)d statements: residents can vote now.",
                    count,
                )
                % {"count": count},
            )
            return HttpResponseRedirect(reverse("staff:conversation", args=[conversation.pk]))
    status = 400 if form.errors else 200
    return render(request, "deliberation/staff/conversation_new.html", {"form": form}, status=status)


def _conversation_page(
    request: HttpRequest,
    conversation: Conversation,
    *,
    response_form: OfficialResponseForm | None = None,
    seeds_form: SeedStatementsForm | None = None,
    publish_error: str = "",
) -> HttpResponse:
    latest = selectors.analysis_latest(conversation)
    is_open = conversation.status == Conversation.Status.OPEN
    may_answer = department_may_act(request.user, conversation.department)
    context = {
        "is_open": is_open,
        # Shown while it is open, or with its errors (as when it was closed meanwhile).
        "show_seeds_form": may_answer and (is_open or seeds_form is not None),
        "seeds_form": seeds_form or SeedStatementsForm(prefix="seeds"),
        "conversation": conversation,
        "latest": latest,
        "statements": selectors.statements_for_staff(conversation),
        "may_answer": may_answer,
        "may_moderate": user_can(request.user, Capability.MODERATE),
        "response_form": response_form
        or OfficialResponseForm(prefix="response", initial={"body": conversation.official_response}),
        "publish_error": publish_error,
        "decision_form": StatementDecisionForm(),
    }
    bound = response_form is not None or seeds_form is not None or bool(publish_error)
    return render(request, "deliberation/staff/conversation.html", context, status=400 if bound else 200)


@require_safe
@engagement_staff_required
def staff_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _conversation_page(request, _conversation(conversation_id))


@require_POST
@engagement_staff_required
def staff_report_publish(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _answerable(request, conversation_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _conversation_page(request, conversation, publish_error=_("Choose publish or withdraw."))
    publish = form.cleaned_data["publish"] == "1"
    try:
        services.conversation_report_publish(conversation=conversation, user=request.user, publish=publish)
    except services.DeliberationInvalid as error:
        return _conversation_page(request, conversation, publish_error=error.message)
    if publish:
        messages.success(request, _("Report published: everyone who can see the conversation can read it."))
    else:
        messages.success(request, _("Report withdrawn: only staff can see it now."))
    return HttpResponseRedirect(reverse("staff:conversation", args=[conversation.pk]))


@require_POST
@engagement_staff_required
def staff_official_response(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _answerable(request, conversation_id)
    form = OfficialResponseForm(request.POST, prefix="response")
    if form.is_valid():
        try:
            services.conversation_official_response_set(
                conversation=conversation, user=request.user, body=form.cleaned_data["body"]
            )
        except services.DeliberationInvalid as error:
            form.add_error("body", error.message)
        else:
            if conversation.report_published:
                messages.success(request, _("Official response saved. It is shown with the report."))
            else:
                messages.success(
                    request, _("Official response saved. Residents will see it when the report is published.")
                )
            return HttpResponseRedirect(reverse("staff:conversation", args=[conversation.pk]))
    return _conversation_page(request, conversation, response_form=form)


@require_POST
@engagement_staff_required
def staff_conversation_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _answerable(request, conversation_id)
    form = ConversationStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose close or reopen."))
        return HttpResponseRedirect(reverse("staff:conversation", args=[conversation.pk]))
    is_open = form.cleaned_data["status"] == Conversation.Status.OPEN
    services.conversation_status_set(conversation=conversation, user=request.user, is_open=is_open)
    if is_open:
        messages.success(request, _("Conversation reopened: residents can vote and add statements again."))
    else:
        messages.success(request, _("Conversation closed: it takes no more votes or statements."))
    return HttpResponseRedirect(reverse("staff:conversation", args=[conversation.pk]))


@require_POST
@engagement_staff_required
def staff_conversation_seeds(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _answerable(request, conversation_id)
    form = SeedStatementsForm(request.POST, prefix="seeds")
    if form.is_valid():
        try:
            added = services.conversation_seeds_add(
                conversation=conversation, user=request.user, seeds=form.cleaned_data["seeds"]
            )
        except services.DeliberationInvalid as error:  # one the conversation has already
            form.add_error("seeds", error.message)
        except services.DeliberationRefused as refusal:  # closed meanwhile
            form.add_error("seeds", refusal.message)
        else:
            messages.success(
                request,
                ngettext("%(count)d statement added.", "%(count)d statements added.", len(added))
                % {"count": len(added)},
            )
            return HttpResponseRedirect(f"{reverse('staff:conversation', args=[conversation.pk])}#statements")
    return _conversation_page(request, conversation, seeds_form=form)


# ------------------------------------------------------------------------------ moderating statements


@require_safe
@capability_required(Capability.MODERATE)
def staff_statement_queue(request: HttpRequest) -> HttpResponse:
    statements = list(selectors.statements_held())
    for statement in statements:  # the check's codes (uncivil, threat, personal_data) are ReasonCodes
        statement.reason_labels = [  # type: ignore[attr-defined]
            str(ReasonCode(code).label) if code in ReasonCode.values else code
            for code in statement.held_reasons
        ]
    context = {"statements": statements, "decision_form": StatementDecisionForm()}
    return render(request, "deliberation/staff/statements.html", context)


@require_POST
@capability_required(Capability.MODERATE)
def staff_statement_decide(request: HttpRequest, statement_id: int) -> HttpResponse:
    form = StatementDecisionForm(request.POST)
    back = reverse("staff:conversation-statements")
    if not form.is_valid():
        messages.error(request, _("Choose accept or reject for the statement."))
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    try:
        statement = services.statement_moderate(
            statement_id=statement_id,
            seen=data["seen"],
            accept=data["action"] == "accept",
            reason=data["reason"],
            note=data["note"],
            moderator=request.user,
        )
    except services.StatementAlreadyDecided as error:
        messages.warning(request, error.message)
        return HttpResponseRedirect(back)
    except services.DeliberationInvalid as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(back)
    if data["action"] == "accept":
        messages.success(request, _("Statement accepted: residents are asked about it now."))
    else:
        messages.success(request, _("Statement rejected: it is off the conversation and out of the report."))
    if request.POST.get("from") == "conversation":
        return HttpResponseRedirect(reverse("staff:conversation", args=[statement.conversation_id]))
    return HttpResponseRedirect(back)
