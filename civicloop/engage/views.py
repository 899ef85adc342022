"""Resident pages for engage: spaces, questions with their ideas, an idea's discussion, sign-in by link.

Thin views: parse, build the viewer, call one service or selector, render. Every page works without
JavaScript; each action is a plain form POST followed by a redirect.
"""

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicloop.core.errors import NotFound
from civicloop.core.throttling import client_network_key, client_rate_limit_exceeded
from civicloop.engage import selectors, services
from civicloop.engage.forms import (
    CommentForm,
    DisplayNameForm,
    IdeaForm,
    JamPromptForm,
    SignInConfirmForm,
    SignInForm,
)
from civicloop.engage.models import Comment, Idea, Question
from civicloop.engage.selectors import JamCursor, Viewer
from civicloop.engage.services import EngageInvalid, EngageRefused, PostingLimitReached
from civicloop.engage.tokens import EngageLinkInvalid, EngageLinkUsed
from civicloop.subscriptions.selectors import language_supported

SESSION_KEY = "engage_participant_id"
PAGE_SIZE = 20
# Per network address: generous, since a library or a school shares one address.
POSTS_PER_ADDRESS = 30
SUPPORTS_PER_ADDRESS = 120
SIGN_INS_PER_ADDRESS = 10
# Similar-idea lookups come while typing (one per pause), so many more than posts.
SIMILAR_CHECKS_PER_ADDRESS = 300
# Drafts shorter than this match everything a little and nothing well.
SIMILAR_TEXT_MIN = 8
SIMILAR_TEXT_MAX = 1000
ADDRESS_WINDOW_SECONDS = 10 * 60
SORT_LABELS = {
    "fair": gettext_lazy("Fair rotation"),
    "newest": gettext_lazy("Newest"),
    "discussed": gettext_lazy("Most discussed"),
    "picks": gettext_lazy("Staff picks"),
    "bridging": gettext_lazy("Bridging"),
}
HELD_REASON_LABELS = {
    "uncivil": gettext_lazy("It may break the code of conduct."),
    "threat": gettext_lazy("It may contain a threat."),
    "personal_data": gettext_lazy(
        "It seems to include personal details, like an email address, a phone number or a home address."
    ),
}
TOO_FAST = gettext_lazy("Too many posts from your connection. Please wait 10 minutes and try again.")


def _viewer(request: HttpRequest) -> Viewer:
    return selectors.viewer_for(user=request.user, participant_id=request.session.get(SESSION_KEY))


def _refused(request: HttpRequest, message: str, *, viewer: Viewer | None = None) -> HttpResponse:
    context = {"problem": message, "signed_in": viewer is not None and viewer.participant is not None}
    return render(request, "engage/refused.html", context, status=403)


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return reverse("engage:home")


def held_reasons(codes: list[str]) -> list[str]:
    """The check's reason codes as sentences in the reader's language."""
    return [str(HELD_REASON_LABELS.get(code, code)) for code in codes]


def _address_limited(request: HttpRequest, scope: str, limit: int) -> bool:
    return client_rate_limit_exceeded(
        request, scope=scope, limit=limit, window_seconds=ADDRESS_WINDOW_SECONDS
    )


# ------------------------------------------------------------------------------------------------ reading


@require_GET
def ideas_home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {"spaces": selectors.spaces_for(viewer), "viewer": viewer, "now": timezone.now()}
    return render(request, "engage/home.html", context)


@require_GET
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


def _question(
    request: HttpRequest, space_slug: str, question_slug: str, *, with_supports_total: bool = False
) -> tuple[Question, Viewer]:
    try:
        question = selectors.question_by_slugs(
            space_slug, question_slug, with_supports_total=with_supports_total
        )
    except NotFound as error:
        raise Http404(error.message) from error
    return question, _viewer(request)


@require_GET
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


def _idea(idea_id: int) -> Idea:
    try:
        return selectors.idea_for_page(idea_id)
    except NotFound as error:
        raise Http404(error.message) from error


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


def _readable_idea(request: HttpRequest, idea_id: int) -> tuple[Idea, Viewer, HttpResponse | None]:
    idea, viewer = _idea(idea_id), _viewer(request)
    # Not found, never "forbidden": outsiders must not learn which idea numbers exist in closed spaces.
    if not selectors.space_readable(idea.question.space, viewer) or not selectors.idea_visible(idea, viewer):
        raise Http404("No such idea.")
    return idea, viewer, None


@require_GET
def idea_detail(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    return refusal or _idea_page(request, idea, viewer)


# ------------------------------------------------------------------------------------------------ posting


def _sign_in_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('engage:sign_in')}?next={request.path}")


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


@require_POST
def idea_support(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return _sign_in_redirect(request)
    back = (
        _safe_next(request, request.POST.get("next", ""))
        if request.POST.get("next")
        else idea.get_absolute_url()
    )
    if _address_limited(request, "engage-support", SUPPORTS_PER_ADDRESS):
        return _refused(request, str(TOO_FAST), viewer=viewer)
    try:
        services.idea_support(idea=idea, viewer=viewer, network_key=client_network_key(request))
    except EngageRefused as error:
        return _refused(request, error.message, viewer=viewer)
    except PostingLimitReached as error:
        return _refused(request, error.message, viewer=viewer)
    return HttpResponseRedirect(back)


@require_POST
def idea_follow(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return _sign_in_redirect(request)
    try:
        services.idea_follow(idea=idea, viewer=viewer, follow=request.POST.get("follow") != "stop")
    except EngageRefused as error:
        return _refused(request, error.message, viewer=viewer)
    return HttpResponseRedirect(f"{idea.get_absolute_url()}#follow")


# ------------------------------------------------------------------------------------- jams and similar


@require_POST
def jam_prompt(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    question, viewer = _question(request, space_slug, question_slug)
    if not question.is_jam:
        raise Http404("No such jam.")
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    form = JamPromptForm(request.POST)
    if form.is_valid():
        try:
            services.jam_prompt_post(question=question, user=request.user, text=form.cleaned_data["text"])
        except EngageRefused as error:
            return _refused(request, error.message, viewer=viewer)
        except EngageInvalid as error:
            form.add_error("text", error.message)
        else:
            return HttpResponseRedirect(f"{question.get_absolute_url()}#jam-prompts-heading")
    return _question_page(request, question, viewer, prompt_form=form, status=400)


def _cursor_part(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else 0


@never_cache
@require_GET
def jam_live(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    """What is new in a jam since the cursor, as an HTML fragment the jam page's script inserts."""
    question, viewer = _question(request, space_slug, question_slug)
    if not question.is_jam:
        raise Http404("No such jam.")
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    after = JamCursor(
        prompt_id=_cursor_part(request, "prompt"),
        idea_id=_cursor_part(request, "idea"),
        comment_id=_cursor_part(request, "comment"),
    )
    context = {
        "question": question,
        "jam": selectors.jam_updates(question=question, viewer=viewer, after=after),
        "is_open": selectors.question_is_open(question),
    }
    return render(request, "engage/jam_updates.html", context)


@require_GET
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


@require_GET
def similar_ideas(request: HttpRequest, space_slug: str, question_slug: str) -> HttpResponse:
    """Published ideas like the draft in `text`, as a fragment for the new-idea form (empty if none)."""
    question, viewer = _question(request, space_slug, question_slug)
    if not selectors.space_readable(question.space, viewer):
        return _refused(request, _("This space is only for the people it was opened to."), viewer=viewer)
    if _address_limited(request, "engage-similar", SIMILAR_CHECKS_PER_ADDRESS):
        return HttpResponse(str(TOO_FAST), status=429, content_type="text/plain; charset=utf-8")
    similar = _similar_to_draft(question, {"title": request.GET.get("text", "")})
    return render(request, "engage/_similar_ideas.html", {"similar": similar, "similar_checked": False})


# ---------------------------------------------------------------------------------------- signing in


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_path = _safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            return render(request, "engage/sign_in_sent.html")
        if _address_limited(request, "engage-sign-in", SIGN_INS_PER_ADDRESS):
            form.is_valid()
            form.add_error(None, str(TOO_FAST))
            status = 429
        elif form.is_valid():
            try:
                services.participant_sign_in_request(
                    contact=form.cleaned_data["contact"],
                    display_name=form.cleaned_data["display_name"],
                    language=language_supported(request.LANGUAGE_CODE),
                    next_path=next_path,
                )
            except EngageInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except PostingLimitReached as error:
                form.add_error(None, error.message)
                status = 429
            else:
                return render(request, "engage/sign_in_sent.html")
        status = status if status != 200 else 400
    return render(request, "engage/sign_in.html", {"form": form, "next": next_path}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open links and must not sign anyone in.
    next_path = _safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
    try:
        participant = services.participant_sign_in_pending(token=token)
    except EngageLinkInvalid as error:
        return _link_problem(request, error)
    form = SignInConfirmForm(request.POST or None, initial={"display_name": participant.pending_display_name})
    context = {"next": next_path, "form": form}
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 400
        return render(request, "engage/sign_in_confirm.html", context, status=status)
    try:
        participant = services.participant_sign_in_confirm(
            token=token, display_name=form.cleaned_data["display_name"]
        )
    except EngageInvalid as error:
        form.add_error("display_name", error.message)
        return render(request, "engage/sign_in_confirm.html", context, status=400)
    except EngageLinkInvalid as error:
        return _link_problem(request, error)
    request.session.cycle_key()  # a new session id on sign-in: no fixation
    request.session[SESSION_KEY] = participant.pk
    return HttpResponseRedirect(next_path)


def _link_problem(request: HttpRequest, error: EngageLinkInvalid) -> HttpResponse:
    # A used or replaced link is not an attack: say so kindly and offer a new one.
    used = isinstance(error, EngageLinkUsed)
    context = {"problem": error.message, "used": used}
    return render(request, "engage/link_problem.html", context, status=410 if used else 400)


@never_cache
@require_http_methods(["GET", "POST"])
def account_name(request: HttpRequest) -> HttpResponse:
    """A signed-in resident changes the name shown with their posts."""
    viewer = _viewer(request)
    if viewer.participant is None:
        return _sign_in_redirect(request)
    form = DisplayNameForm(request.POST or None, initial={"display_name": viewer.participant.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_rename(
                participant=viewer.participant, display_name=form.cleaned_data["display_name"]
            )
        except EngageInvalid as error:
            form.add_error("display_name", error.message)
        except EngageRefused as error:
            return _refused(request, error.message, viewer=viewer)
        else:
            return render(
                request, "engage/account_name.html", {"form": form, "saved": True, "viewer": viewer}
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "engage/account_name.html", {"form": form, "viewer": viewer}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return HttpResponseRedirect(reverse("engage:home"))


@csrf_exempt  # RFC 8058: mail providers POST without cookies or a CSRF token; the signed token authorises.
@never_cache
@require_http_methods(["GET", "POST"])
def follow_stop(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "engage/follow_stop.html", {"stopped": False})
    try:
        idea = services.idea_follow_stop(token=token)
    except EngageLinkInvalid as error:
        return render(request, "engage/link_problem.html", {"problem": error.message}, status=400)
    return render(request, "engage/follow_stop.html", {"stopped": True, "idea": idea})
