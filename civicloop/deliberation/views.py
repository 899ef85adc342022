"""Resident pages for a conversation: vote one statement at a time, and the opinion report.

Thin views: the viewer comes from engage (magic-link session or staff login); one service or selector
each. Voting is a plain form POST followed by a redirect, so it works without JavaScript.
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicloop.core.errors import DomainError, NotFound
from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.deliberation import report, selectors, services
from civicloop.deliberation.forms import VoteForm
from civicloop.deliberation.models import Conversation
from civicloop.engage import selectors as engage_selectors
from civicloop.engage.selectors import Viewer
from civicloop.engage.views import SESSION_KEY

# Per network address: a resident votes on many statements in a few minutes, and a library or a
# school shares one address, so far more than posts.
VOTES_PER_ADDRESS = 600
ADDRESS_WINDOW_SECONDS = 10 * 60


def _viewer(request: HttpRequest) -> Viewer:
    return engage_selectors.viewer_for(user=request.user, participant_id=request.session.get(SESSION_KEY))


def _refused(request: HttpRequest, message: str, viewer: Viewer, status: int = 403) -> HttpResponse:
    context = {"problem": message, "signed_in": viewer.participant is not None or viewer.is_staff}
    return render(request, "engage/refused.html", context, status=status)


def _conversation(
    request: HttpRequest, conversation_id: int
) -> tuple[Conversation, Viewer, HttpResponse | None]:
    try:
        conversation = selectors.conversation_for_page(conversation_id)
    except NotFound as error:
        raise Http404(error.message) from error
    viewer = _viewer(request)
    if not selectors.conversation_visible(conversation, viewer):
        return (
            conversation,
            viewer,
            _refused(request, _("This conversation is only for the people it was opened to."), viewer),
        )
    return conversation, viewer, None


@never_cache
@require_GET
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, viewer, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    participant = selectors.conversation_participant_of(conversation, viewer.participant)
    total, voted = selectors.voting_progress(conversation, participant)
    is_open = conversation.status == Conversation.Status.OPEN
    statement = (
        selectors.statement_next(conversation, participant) if is_open and viewer.can_take_part else None
    )
    context = {
        "conversation": conversation,
        "viewer": viewer,
        "is_open": is_open,
        "statement": statement,
        "total": total,
        "voted": voted,
    }
    return render(request, "deliberation/conversation_detail.html", context)


@require_POST
def conversation_vote(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, viewer, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return HttpResponseRedirect(f"{reverse('engage:sign_in')}?next={conversation.get_absolute_url()}")
    if client_rate_limit_exceeded(
        request, scope="conversation-vote", limit=VOTES_PER_ADDRESS, window_seconds=ADDRESS_WINDOW_SECONDS
    ):
        return _refused(
            request,
            _("Too many votes from your connection. Please wait 10 minutes and try again."),
            viewer,
            429,
        )
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("Choose agree, disagree or pass for the statement shown."), viewer, 400)
    resident = viewer.participant
    if resident is None:  # staff: their participant is made on their first vote, as on a first post
        from civicloop.engage.services import participant_for_staff

        resident = participant_for_staff(viewer.user)
    try:
        services.resident_vote(
            conversation=conversation,
            resident=resident,
            statement_id=form.cleaned_data["statement"],
            value=form.vote_value(),
        )
    except DomainError as error:
        return _refused(request, error.message, viewer)
    return HttpResponseRedirect(f"{conversation.get_absolute_url()}#statement")


@require_GET
def conversation_report(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, _, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    context = {
        "conversation": conversation,
        "report": report.conversation_report(conversation),
        "map_width": report.MAP_WIDTH,
        "map_height": report.MAP_HEIGHT,
    }
    return render(request, "deliberation/conversation_report.html", context)
