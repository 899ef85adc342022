"""Resident pages for a conversation: vote one statement at a time, add a statement, and the report
(public once staff publish it, with the city's official response).

Thin views: the viewer comes from engage (magic-link session or staff login); one service or selector
each. Voting is a plain form POST followed by a redirect, so it works without JavaScript.
"""

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicloop.core.errors import DomainError, NotFound
from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.deliberation import opendata, report, selectors, services
from civicloop.deliberation.forms import StatementForm, VoteForm
from civicloop.deliberation.models import Conversation, Statement
from civicloop.engage import selectors as engage_selectors
from civicloop.engage.selectors import Viewer
from civicloop.engage.views import SESSION_KEY
from civicloop.moderation.forms import ReportForm
from civicloop.moderation.report_submission import report_submit

# Per network address: a resident votes on many statements in a few minutes, and a library or a
# school shares one address, so far more than posts.
VOTES_PER_ADDRESS = 600
ADDRESS_WINDOW_SECONDS = 10 * 60
STATEMENTS_PER_ADDRESS = 30  # a shared address (library, school) writes far fewer than it votes


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


def _detail_page(
    request: HttpRequest,
    conversation: Conversation,
    viewer: Viewer,
    *,
    statement_form: StatementForm | None = None,
    status: int = 200,
) -> HttpResponse:
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
        "statement_form": statement_form or StatementForm(),
        "own_statements": selectors.statements_of(conversation, participant),
    }
    return render(request, "deliberation/conversation_detail.html", context, status=status)


@never_cache
@require_safe
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, viewer, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    return _detail_page(request, conversation, viewer)


@require_POST
def conversation_statement_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, viewer, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return HttpResponseRedirect(f"{reverse('engage:sign_in')}?next={conversation.get_absolute_url()}")
    if client_rate_limit_exceeded(
        request,
        scope="conversation-statement",
        limit=STATEMENTS_PER_ADDRESS,
        window_seconds=ADDRESS_WINDOW_SECONDS,
    ):
        return _refused(
            request,
            _("Too many statements from your connection. Please wait 10 minutes and try again."),
            viewer,
            429,
        )
    form = StatementForm(request.POST)
    if form.is_bot():
        return HttpResponseRedirect(conversation.get_absolute_url())  # look done; store nothing
    if not form.is_valid():
        return _detail_page(request, conversation, viewer, statement_form=form, status=400)
    resident = viewer.participant
    if resident is None:  # staff: as for a vote
        from civicloop.engage.services import participant_for_staff

        resident = participant_for_staff(viewer.user)
    try:
        statement = services.statement_add(
            conversation=conversation, resident=resident, text=form.cleaned_data["text"]
        )
    except services.DeliberationInvalid as error:
        form.add_error("text", error.message)
        return _detail_page(request, conversation, viewer, statement_form=form, status=400)
    except services.StatementLimitReached as error:
        return _refused(request, error.message, viewer, 429)
    except DomainError as error:
        return _refused(request, error.message, viewer)
    if statement.moderation == Statement.Moderation.HELD:
        messages.warning(
            request,
            _(
                "Thank you. Your statement waits for a moderator before others see it: "
                "it may break the code of conduct."
            ),
        )
    else:
        messages.success(request, _("Thank you. Your statement was added: others will be asked about it."))
    return HttpResponseRedirect(f"{conversation.get_absolute_url()}#your-statements")


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


@never_cache
@require_safe
def conversation_report(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation, viewer, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    visible = selectors.report_visible(conversation, viewer)
    context = {
        "conversation": conversation,
        "published": conversation.report_published,
        "visible": visible,
        "is_staff": viewer.is_staff,
        "report": report.conversation_report(conversation) if visible else None,
        "map_width": report.MAP_WIDTH,
        "map_height": report.MAP_HEIGHT,
    }
    return render(request, "deliberation/conversation_report.html", context)


class _Echo:
    """A file-like that hands back what csv.writer writes, so each row streams as it is made."""

    def write(self, value: str) -> str:
        return value


@require_safe
def conversation_data_csv(request: HttpRequest, conversation_id: int, table: str) -> StreamingHttpResponse:
    """Open data: statements.csv, votes.csv or groups.csv of a published conversation in a public space
    (404 otherwise, for staff too), streamed row by row from the database."""
    try:
        conversation = opendata.open_data_conversation(conversation_id)
        rows = opendata.open_data_rows(conversation, table)
    except NotFound as error:
        raise Http404(error.message) from error
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.pk}-{table}.csv"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def statement_report(request: HttpRequest, conversation_id: int, statement_id: int) -> HttpResponse:
    """A resident reports a statement to the moderators, as an idea or a comment is reported."""
    conversation, viewer, refusal = _conversation(request, conversation_id)
    if refusal:
        return refusal
    statement = Statement.objects.filter(conversation=conversation, pk=statement_id).first()
    shown = (Statement.Moderation.ACCEPTED,) + ((Statement.Moderation.HIDDEN,) if viewer.is_moderator else ())
    if statement is None or statement.moderation not in shown:
        raise Http404("No such statement.")
    resident = viewer.participant
    if resident is None and viewer.is_staff:
        from civicloop.engage.services import participant_for_staff

        resident = participant_for_staff(viewer.user)
    if resident is None:
        return HttpResponseRedirect(f"{reverse('engage:sign_in')}?next={request.path}")
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = report_submit(request, form, reporter=resident, content=statement)
        if outcome.refused:
            return _refused(request, outcome.refused, viewer)
        if outcome.sent:
            messages.success(request, _("Thank you. A moderator will look at it."))
            return HttpResponseRedirect(conversation.get_absolute_url())
        status = outcome.status
    context = {"form": form, "conversation": conversation, "statement": statement}
    return render(request, "deliberation/statement_report.html", context, status=status)
