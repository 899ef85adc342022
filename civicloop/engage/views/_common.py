"""What every engage page shares: who is looking, refusals, safe redirects, limits per network address,
and the question or idea a URL names."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from civicloop.core.errors import NotFound
from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.engage import selectors
from civicloop.engage.models import Idea, Question
from civicloop.engage.selectors import Viewer

SESSION_KEY = "engage_participant_id"
ADDRESS_WINDOW_SECONDS = 10 * 60
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


def _idea(idea_id: int) -> Idea:
    try:
        return selectors.idea_for_page(idea_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _readable_idea(request: HttpRequest, idea_id: int) -> tuple[Idea, Viewer, HttpResponse | None]:
    idea, viewer = _idea(idea_id), _viewer(request)
    # Not found, never "forbidden": outsiders must not learn which idea numbers exist in closed spaces.
    if not selectors.space_readable(idea.question.space, viewer) or not selectors.idea_visible(idea, viewer):
        raise Http404("No such idea.")
    return idea, viewer, None


def _sign_in_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('engage:sign_in')}?next={request.path}")
