"""The staff side of engage: spaces and their invitations, questions, and answering ideas.

Thin views: parse, call one service, redirect with a message. Communications and department staff
run engagement; the console has no engage capability of its own yet, so either role will do.
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
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicloop.accounts.permissions import Capability, department_may_act, user_can
from civicloop.engage import services
from civicloop.engage.models import Idea, Space
from civicloop.engage.services import EngageInvalid, EngageRefused, QuestionInput
from civicloop.engage.staff_forms import InviteesForm, QuestionForm, ReplyForm, SpaceForm, StatusForm

ENGAGE_CAPABILITIES = (Capability.WORK_SERVICE_QUEUES, Capability.COMPOSE_ANNOUNCEMENTS)


def engage_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; staff whose role runs no engagement get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not any(user_can(request.user, capability) for capability in ENGAGE_CAPABILITIES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _field(form: Any, error: EngageInvalid) -> str | None:
    return error.field if error.field in form.fields else None


@require_http_methods(["GET", "POST"])
@engage_staff_required
def staff_spaces(request: HttpRequest) -> HttpResponse:
    form = SpaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            space = services.space_create(**form.cleaned_data, actor=request.user)
        except EngageInvalid as error:
            form.add_error(_field(form, error), error.message)
        else:
            messages.success(request, _("Space created."))
            return HttpResponseRedirect(reverse("staff:engage-space", args=[space.pk]))
    context = {"spaces": Space.objects.all(), "form": form}
    return render(request, "engage/staff/spaces.html", context, status=400 if form.errors else 200)


def _space(space_id: int) -> Space:
    space = Space.objects.filter(pk=space_id).first()
    if space is None:
        raise Http404("No such space.")
    return space


def _space_page(
    request: HttpRequest,
    space: Space,
    *,
    question_form: QuestionForm | None = None,
    invitees_form: InviteesForm | None = None,
) -> HttpResponse:
    context = {
        "space": space,
        "questions": space.questions.order_by("-opens_at", "id"),
        "invitee_count": space.invitees.count(),
        "question_form": question_form or QuestionForm(prefix="question"),
        "invitees_form": invitees_form or InviteesForm(prefix="invitees"),
    }
    bound = question_form is not None or invitees_form is not None
    return render(request, "engage/staff/space.html", context, status=400 if bound else 200)


@require_safe
@engage_staff_required
def staff_space(request: HttpRequest, space_id: int) -> HttpResponse:
    return _space_page(request, _space(space_id))


@require_POST
@engage_staff_required
def staff_question_create(request: HttpRequest, space_id: int) -> HttpResponse:
    space = _space(space_id)
    form = QuestionForm(request.POST, prefix="question")
    if form.is_valid():
        data = form.cleaned_data
        try:
            question = services.question_create(space=space, data=QuestionInput(**data), actor=request.user)
        except EngageInvalid as error:
            form.add_error(_field(form, error), error.message)
        else:
            messages.success(request, _("Question created."))
            return HttpResponseRedirect(question.get_absolute_url())
    return _space_page(request, space, question_form=form)


@require_POST
@engage_staff_required
def staff_invitees_add(request: HttpRequest, space_id: int) -> HttpResponse:
    space = _space(space_id)
    form = InviteesForm(request.POST, prefix="invitees")
    if form.is_valid():
        try:
            added = services.space_invitees_add(space=space, contacts=form.contact_list())
        except EngageInvalid as error:
            form.add_error("contacts", error.message)
        else:
            messages.success(request, _("%(count)d people invited.") % {"count": added})
            return HttpResponseRedirect(reverse("staff:engage-space", args=[space.pk]))
    return _space_page(request, space, invitees_form=form)


def _idea(idea_id: int) -> Idea:
    idea = Idea.objects.select_related("question__space", "author").filter(pk=idea_id).first()
    if idea is None:
        raise Http404("No such idea.")
    return idea


def _answerable_idea(request: HttpRequest, idea_id: int) -> Idea:
    """The idea, if the user may answer for its question's department (403 before any form work)."""
    idea = _idea(idea_id)
    try:
        services.answering_check(request.user, idea)
    except EngageRefused as refusal:
        raise PermissionDenied(refusal.message) from refusal
    return idea


def _idea_page(
    request: HttpRequest,
    idea: Idea,
    *,
    reply_form: ReplyForm | None = None,
    status_form: StatusForm | None = None,
) -> HttpResponse:
    context = {
        "idea": idea,
        "reply_form": reply_form or ReplyForm(prefix="reply"),
        "status_form": status_form or StatusForm(prefix="status", initial={"status": idea.status}),
        "may_answer": department_may_act(request.user, idea.question.department),
    }
    bound = reply_form is not None or status_form is not None
    return render(request, "engage/staff/idea.html", context, status=400 if bound else 200)


@require_safe
@engage_staff_required
def staff_idea(request: HttpRequest, idea_id: int) -> HttpResponse:
    return _idea_page(request, _idea(idea_id))


@require_POST
@engage_staff_required
def staff_idea_reply(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _answerable_idea(request, idea_id)
    form = ReplyForm(request.POST, prefix="reply")
    if form.is_valid():
        try:
            services.official_reply_create(idea=idea, user=request.user, body=form.cleaned_data["body"])
        except EngageInvalid as error:
            form.add_error("body", error.message)
        else:
            messages.success(request, _("Official reply posted. The idea's people are being told."))
            return HttpResponseRedirect(idea.get_absolute_url())
    return _idea_page(request, idea, reply_form=form)


@require_POST
@engage_staff_required
def staff_idea_status(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _answerable_idea(request, idea_id)
    form = StatusForm(request.POST, prefix="status")
    if form.is_valid():
        try:
            services.idea_status_change(
                idea=idea,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except EngageInvalid as error:
            form.add_error(_field(form, error), error.message)
        else:
            messages.success(request, _("Status changed. The idea's people are being told."))
            return HttpResponseRedirect(idea.get_absolute_url())
    return _idea_page(request, idea, status_form=form)


@require_POST
@engage_staff_required
def staff_idea_pick(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = _answerable_idea(request, idea_id)
    services.idea_staff_pick_set(idea=idea, picked=request.POST.get("picked") == "1", user=request.user)
    return HttpResponseRedirect(idea.get_absolute_url())
