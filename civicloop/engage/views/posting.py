"""Posting: a new idea (with similar ideas shown while typing), comments, and the author's corrections."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicloop.engage import selectors, services
from civicloop.engage.forms import CommentForm, IdeaForm
from civicloop.engage.models import Comment, Idea, Question
from civicloop.engage.services import EngageInvalid, EngageRefused, PostingLimitReached
from civicloop.engage.views._common import (
    TOO_FAST,
    _address_limited,
    _question,
    _readable_idea,
    _refused,
    _sign_in_redirect,
)
from civicloop.engage.views.browsing import _idea_page

# Per network address: generous, since a library or a school shares one address.
POSTS_PER_ADDRESS = 30
# Similar-idea lookups come while typing (one per pause), so many more than posts.
SIMILAR_CHECKS_PER_ADDRESS = 300
# Drafts shorter than this match everything a little and nothing well.
SIMILAR_TEXT_MIN = 8
SIMILAR_TEXT_MAX = 1000


@never_cache
@require_http_methods(["GET", "POST"])
def idea_new(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    question, viewer = _question(request, space_slug, question_slug)
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    if not selectors.question_is_open(question):
        return _refused(request, _("This question is not open for ideas and comments."), viewer=viewer)
    if not viewer.can_take_part:
        return _sign_in_redirect(request)
    status = 200
    form = IdeaForm(request.POST or None)
    similar: list[Idea] = []
    if request.method == "POST" and request.POST.get("action") == "check-similar":
        # The no-JavaScript way to see similar ideas before posting: nothing is stored or validated.
        form = IdeaForm(
            initial={name: request.POST.get(name, "") for name in ("title", "body", "community_area")}
        )
        similar = _similar_to_draft(question, request.POST)
    elif request.method == "POST":
        if form.is_bot():
            return HttpResponseRedirect(question.get_absolute_url())  # look done; store nothing
        if _address_limited(request, "engage-post", POSTS_PER_ADDRESS):
            form.is_valid()
            form.add_error(None, str(TOO_FAST))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                idea = services.idea_create(
                    question=question,
                    viewer=viewer,
                    title=data["title"],
                    body=data["body"],
                    community_area=data.get("community_area"),
                )
            except EngageRefused as error:
                return _refused(request, error.message, viewer=viewer)
            except PostingLimitReached as error:
                form.add_error(None, error.message)
                status = 429
            except EngageInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return HttpResponseRedirect(idea.get_absolute_url())
        status = status if status != 200 else 400
        similar = _similar_to_draft(question, request.POST)
    context = {
        "form": form,
        "question": question,
        "space": question.space,
        "viewer": viewer,
        "similar": similar,
        "similar_checked": request.POST.get("action") == "check-similar",
    }
    return render(request, "engage/idea_form.html", context, status=status)


def _similar_to_draft(question: Question, data: Any) -> list[Idea]:
    title, body = str(data.get("title", ""))[:SIMILAR_TEXT_MAX], str(data.get("body", ""))[:SIMILAR_TEXT_MAX]
    if len(f"{title}{body}".strip()) < SIMILAR_TEXT_MIN:
        return []
    services.idea_embeddings_fill(question=question)  # ideas posted before embeddings were stored
    return selectors.similar_ideas(question=question, title=title, body=body)


@never_cache
@require_http_methods(["GET", "POST"])
def idea_edit(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    if refusal:
        return refusal
    if viewer.participant_id != idea.author_id or timezone.now() - idea.created_at > services.EDIT_WINDOW:
        return _refused(request, _("Posts can be edited by their author for 15 minutes only."), viewer=viewer)
    form = IdeaForm(request.POST or None, initial={"title": idea.title, "body": idea.body}, with_area=False)
    if request.method == "POST" and not form.is_bot() and form.is_valid():
        try:
            services.idea_edit(
                idea=idea, viewer=viewer, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
            )
        except EngageRefused as error:
            return _refused(request, error.message, viewer=viewer)
        except EngageInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return HttpResponseRedirect(idea.get_absolute_url())
    context = {"form": form, "idea": idea, "question": idea.question, "space": idea.question.space}
    return render(request, "engage/idea_edit.html", context, status=400 if form.errors else 200)


@require_POST
def idea_comment(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return _sign_in_redirect(request)
    form = CommentForm(request.POST)
    if form.is_bot():
        return HttpResponseRedirect(idea.get_absolute_url())
    status = 400
    if _address_limited(request, "engage-post", POSTS_PER_ADDRESS):
        form.is_valid()
        form.add_error(None, str(TOO_FAST))
        status = 429
    elif form.is_valid():
        parent_id = form.cleaned_data.get("parent")
        parent = Comment.objects.filter(pk=parent_id, idea=idea).first() if parent_id else None
        try:
            comment = services.comment_create(
                idea=idea, viewer=viewer, body=form.cleaned_data["body"], parent=parent
            )
        except EngageRefused as error:
            return _refused(request, error.message, viewer=viewer)
        except PostingLimitReached as error:
            form.add_error(None, error.message)
            status = 429
        except EngageInvalid as error:
            form.add_error("body", error.message)
        else:
            page = selectors.comment_page_number(comment, viewer)
            return HttpResponseRedirect(f"{idea.get_absolute_url()}?page={page}#comment-{comment.pk}")
    return _idea_page(request, idea, viewer, comment_form=form, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = Comment.objects.select_related("idea").filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    idea, viewer, refusal = _readable_idea(request, comment.idea_id)
    if refusal:
        return refusal
    if (
        viewer.participant_id != comment.author_id
        or timezone.now() - comment.created_at > services.EDIT_WINDOW
    ):
        return _refused(request, _("Posts can be edited by their author for 15 minutes only."), viewer=viewer)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and not form.is_bot() and form.is_valid():
        try:
            services.comment_edit(comment=comment, viewer=viewer, body=form.cleaned_data["body"])
        except EngageRefused as error:
            return _refused(request, error.message, viewer=viewer)
        except EngageInvalid as error:
            form.add_error("body", error.message)
        else:
            page = selectors.comment_page_number(comment, viewer)
            return HttpResponseRedirect(f"{idea.get_absolute_url()}?page={page}#comment-{comment.pk}")
    context = {"form": form, "comment": comment, "idea": idea}
    return render(request, "engage/comment_edit.html", context, status=400 if form.errors else 200)


@require_safe
def similar_ideas(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    """Published ideas like the draft in `text`, as a fragment for the new-idea form (empty if none)."""
    question, viewer = _question(request, space_slug, question_slug)
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    if _address_limited(request, "engage-similar", SIMILAR_CHECKS_PER_ADDRESS):
        return HttpResponse(str(TOO_FAST), status=429, content_type="text/plain; charset=utf-8")
    similar = _similar_to_draft(question, {"title": request.GET.get("text", "")})
    return render(request, "engage/_similar_ideas.html", {"similar": similar, "similar_checked": False})
