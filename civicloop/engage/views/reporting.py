"""Resident pages for moderating engage's posts: reporting an idea or a comment, appealing a decision.

Engage's pages calling moderation's services (moderation imports no engage module); their URLs keep
moderation's names (engage/moderation_urls.py). Thin views: the viewer is engage's (magic-link session
or staff login); one service call each.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicloop.core.errors import NotFound
from civicloop.engage import selectors as engage_selectors
from civicloop.engage.models import Comment, Idea, ModerationState
from civicloop.engage.selectors import Viewer
from civicloop.engage.views._common import SESSION_KEY
from civicloop.moderation import selectors, services
from civicloop.moderation.forms import AppealForm, ReportForm
from civicloop.moderation.report_submission import report_submit


def _viewer(request: HttpRequest) -> Viewer:
    viewer = engage_selectors.viewer_for(user=request.user, participant_id=request.session.get(SESSION_KEY))
    if viewer.participant is None and viewer.is_staff:
        from civicloop.engage.services import participant_for_staff

        viewer.participant = participant_for_staff(viewer.user)
    return viewer


def _refused(request: HttpRequest, message: str, viewer: Viewer, status: int = 403) -> HttpResponse:
    context = {"problem": message, "signed_in": viewer.participant is not None}
    return render(request, "engage/refused.html", context, status=status)


def _sign_in_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('engage:sign_in')}?next={request.path}")


def _report(request: HttpRequest, content: Idea | Comment, idea: Idea) -> HttpResponse:
    viewer = _viewer(request)
    if not engage_selectors.space_readable(idea.question.space, viewer) or content.moderation_state not in (
        ModerationState.PUBLISHED,
        ModerationState.HIDDEN,
    ):
        raise Http404("No such post.")
    if content.moderation_state == ModerationState.HIDDEN and not viewer.is_moderator:
        raise Http404("No such post.")
    if viewer.participant is None:
        return _sign_in_redirect(request)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = report_submit(request, form, reporter=viewer.participant, content=content)
        if outcome.refused:
            return _refused(request, outcome.refused, viewer)
        if outcome.sent:
            messages.success(request, _("Thank you. A moderator will look at it."))
            idea.refresh_from_db(fields=["moderation_state"])
            target = idea.get_absolute_url() if idea.moderation_state == ModerationState.PUBLISHED else None
            return HttpResponseRedirect(target or idea.question.get_absolute_url())
        status = outcome.status
    context = {
        "form": form,
        "content": content,
        "idea": idea,
        "is_comment": isinstance(content, Comment),
    }
    return render(request, "moderation/report_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def report_idea(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = Idea.objects.select_related("question__space").filter(pk=idea_id).first()
    if idea is None:
        raise Http404("No such idea.")
    return _report(request, idea, idea)


@never_cache
@require_http_methods(["GET", "POST"])
def report_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = Comment.objects.select_related("idea__question__space").filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    return _report(request, comment, comment.idea)


@never_cache
@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, case_id: int) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.participant is None:
        return _sign_in_redirect(request)
    try:
        file = selectors.case_file(case_id)
    except NotFound as error:
        raise Http404(error.message) from error
    if file.author_id != viewer.participant.pk:
        raise Http404("No such case.")  # nobody learns about other people's cases
    decision = file.first_decision
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.appeal_create(
                    case_id=case_id, author=viewer.participant, text=form.cleaned_data["text"]
                )
            except services.ModerationRefused as error:
                return _refused(request, error.message, viewer)
            except services.ModerationInvalid as error:
                form.add_error("text", error.message)
            else:
                messages.success(request, _("Your appeal was sent. A moderator will tell you the outcome."))
                return HttpResponseRedirect(request.path)
    context = {
        "file": file,
        "decision": decision,
        "appeal": getattr(file.case, "appeal", None) if hasattr(file.case, "appeal") else None,
        "can_appeal": services.appeal_possible(file.case, decision) and not hasattr(file.case, "appeal"),
        "form": form,
    }
    return render(request, "moderation/appeal.html", context, status=status)
