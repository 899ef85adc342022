"""Reading the forums: spaces, a question with its ideas in the chosen order, an idea's discussion,
a question's summary."""

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from civicloop.core.errors import NotFound
from civicloop.engage import selectors, services
from civicloop.engage.forms import CommentForm, JamPromptForm
from civicloop.engage.models import Idea, Question
from civicloop.engage.selectors import Viewer
from civicloop.engage.views._common import _question, _readable_idea, _refused, _viewer, held_reasons

PAGE_SIZE = 20
SORT_LABELS = {
    "fair": gettext_lazy("Fair rotation"),
    "newest": gettext_lazy("Newest"),
    "discussed": gettext_lazy("Most discussed"),
    "picks": gettext_lazy("Staff picks"),
    "bridging": gettext_lazy("Bridging"),
}


@require_safe
def ideas_home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {"spaces": selectors.spaces_for(viewer), "viewer": viewer, "now": timezone.now()}
    return render(request, "engage/home.html", context)


@require_safe
def space_detail(request: HttpRequest, space_slug: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        space = selectors.space_by_slug(space_slug)
    except NotFound as error:
        raise Http404(error.message) from error
    if not selectors.space_readable(space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    context = {
        "space": space,
        "questions": space.questions.order_by("-opens_at", "id"),
        "now": timezone.now(),
    }
    return render(request, "engage/space_detail.html", context)


@require_safe
def question_detail(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    # With its supports' total: deciding the default order then costs no query on a quiet question.
    question, viewer = _question(request, space_slug, question_slug, with_supports_total=True)
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    return _question_page(request, question, viewer)


def _question_page(
    request: HttpRequest,
    question: Question,
    viewer: Viewer,
    *,
    prompt_form: JamPromptForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sort = request.GET.get("sort", "")
    sort = sort if sort in selectors.SORTS else selectors.question_default_sort(question)
    paginator: Paginator[Idea] = Paginator(
        selectors.question_ideas_bridging(question=question, viewer=viewer)
        if sort == "bridging"
        else selectors.question_ideas(question=question, viewer=viewer, sort=sort),
        PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    ideas: list[Idea] = list(page.object_list)
    services.ideas_shown_count([idea.pk for idea in ideas if idea.moderation_state == "published"])
    context: dict[str, Any] = {
        "question": question,
        "space": question.space,
        "page": page,
        "ideas": ideas,
        "supported": selectors.supported_idea_ids(viewer=viewer, idea_ids=[idea.pk for idea in ideas]),
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "is_open": selectors.question_is_open(question),
        "viewer": viewer,
    }
    if question.is_jam:
        context["now"] = timezone.now()
        context["jam"] = selectors.jam_updates(question=question, viewer=viewer)
        context["can_prompt"] = selectors.jam_prompt_allowed(question, request.user)
        context["prompt_form"] = prompt_form or JamPromptForm()
    return render(request, "engage/question_detail.html", context, status=status)


def _idea_page(
    request: HttpRequest,
    idea: Idea,
    viewer: Viewer,
    *,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    reply_to = request.GET.get("reply_to", "")
    thread_page = selectors.idea_threads(idea=idea, viewer=viewer, page_number=request.GET.get("page"))
    threads = thread_page.threads
    for thread in threads:
        for comment in (thread.comment, *thread.replies):
            # Only the author and moderators get held comments at all; they see why.
            labels = held_reasons(comment.held_reasons) if comment.moderation_state == "held" else []
            comment.reason_labels = labels  # type: ignore[attr-defined]
    replying = next((t.comment for t in threads if str(t.comment.pk) == reply_to), None)
    form = comment_form or CommentForm(initial={"parent": replying.pk if replying else None})
    now = timezone.now()
    context: dict[str, Any] = {
        "idea": idea,
        "question": idea.question,
        "space": idea.question.space,
        "threads": threads,
        "comments_page": thread_page.page,
        "timeline": selectors.idea_timeline(idea),
        "standing": selectors.viewer_standing(idea=idea, viewer=viewer),
        "viewer": viewer,
        "comment_form": form,
        "replying": replying,
        "is_open": selectors.question_is_open(idea.question, now=now),
        "can_edit": viewer.participant_id == idea.author_id and now - idea.created_at <= services.EDIT_WINDOW,
        "held_reasons": held_reasons(idea.held_reasons) if idea.moderation_state == "held" else [],
        "edit_window_start": now - services.EDIT_WINDOW,
        "is_author": viewer.participant_id == idea.author_id,
    }
    return render(request, "engage/idea_detail.html", context, status=status)


@require_safe
def idea_detail(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    return refusal or _idea_page(request, idea, viewer)


@require_safe
def question_summary(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    question, viewer = _question(request, space_slug, question_slug)
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    context = {
        "question": question,
        "space": question.space,
        "summary": selectors.question_summary(question),
        "is_open": selectors.question_is_open(question),
    }
    return render(request, "engage/question_summary.html", context)
