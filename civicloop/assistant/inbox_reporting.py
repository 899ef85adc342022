"""Staff report a resident's abusive message from the inbox thread to the moderators, as residents
report an idea, a comment or a statement (assistant/reportables.py registers messages with moderation).

Thin view: the reporter is the member of staff's participant (engage's, as for their own posts); one
call to moderation's report form sending.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability, user_can
from civicloop.assistant.inbox_selectors import message_text
from civicloop.assistant.models import AssistantMessage, MessageModerationState
from civicloop.engage.services import participant_for_staff
from civicloop.moderation.forms import ReportForm
from civicloop.moderation.report_submission import report_submit


@never_cache
@require_http_methods(["GET", "POST"])
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_message_report(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    message = (
        AssistantMessage.objects.select_related("conversation")
        .filter(
            pk=message_id,
            conversation_id=conversation_id,
            direction=AssistantMessage.Direction.IN,
            moderation_state__in=[MessageModerationState.PUBLISHED, MessageModerationState.HIDDEN],
        )
        .first()
    )
    if message is None:
        raise Http404("No such message.")
    thread_url = reverse("staff:inbox-thread", args=[conversation_id])
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = report_submit(request, form, reporter=participant_for_staff(request.user), content=message)
        if outcome.refused:
            messages.error(request, outcome.refused)
            return HttpResponseRedirect(thread_url)
        if outcome.sent:
            messages.success(request, _("Reported to the moderators. Thank you."))
            return HttpResponseRedirect(thread_url)
        status = outcome.status
    text = message_text(
        message.conversation,
        message.body,
        show_contact_details=user_can(request.user, Capability.VIEW_CONTACT_DETAILS),
    )
    context = {"form": form, "message": message, "text": text, "thread_url": thread_url}
    return render(request, "assistant/staff/inbox_message_report.html", context, status=status)
