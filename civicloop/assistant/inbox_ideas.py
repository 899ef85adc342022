"""Staff post a resident's message as an idea on an open question (/staff/inbox/<id>/idea/): the question,
a title, the resident's words (the messages chosen on the thread page, else their latest). Thin views: the
service does the work."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.models import User
from civicloop.accounts.permissions import Capability
from civicloop.assistant import inbox_selectors
from civicloop.assistant.inbox_forms import InboxIdeaForm, new_idempotency_key, posted_ids
from civicloop.assistant.services.inbox_ideas import (
    InboxIdeaInvalid,
    InboxIdeaPosted,
    inbox_idea_draft,
    inbox_idea_post,
    resident_reachable,
)
from civicloop.core.errors import NotFound
from civicloop.engage.models import ModerationState
from civicloop.engage.selectors import questions_open_public


@never_cache
@require_http_methods(["GET", "POST"])
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_idea(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = inbox_selectors.inbox_conversation(conversation_id=conversation_id)
    except NotFound as error:
        raise Http404(error.message) from error
    questions = questions_open_public()
    status = 200
    if request.method == "POST":
        form = InboxIdeaForm(request.POST, questions=questions)
        if form.is_valid():
            staff = request.user
            assert isinstance(staff, User)  # capability_required let only a signed-in user through
            data = form.cleaned_data
            try:
                posted = inbox_idea_post(
                    conversation_id=conversation.pk,
                    staff=staff,
                    question_id=data["question"],
                    title=data["title"],
                    body=data["body"],
                    idempotency_key=data["idempotency_key"],
                )
            except InboxIdeaInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                _posted_messages(request, posted)
                return HttpResponseRedirect(f"{reverse('staff:inbox-thread', args=[conversation.pk])}#ideas")
        status = 400
    else:
        draft = inbox_idea_draft(
            conversation=conversation, message_ids=posted_ids(request.GET.getlist("message"))
        )
        form = InboxIdeaForm(
            questions=questions,
            initial={"title": draft.title, "body": draft.body, "idempotency_key": new_idempotency_key()},
        )
    context = {
        "conversation": conversation,
        "form": form,
        "questions": questions,
        "reachable": resident_reachable(conversation),
    }
    return render(request, "assistant/staff/inbox_idea.html", context, status=status)


def _posted_messages(request: HttpRequest, posted: InboxIdeaPosted) -> None:
    idea = posted.idea
    if posted.repeated:
        messages.info(request, _("This idea had already been posted; it was not posted again."))
        return
    words = {"number": idea.pk, "question": idea.question.text}
    if idea.moderation_state == ModerationState.PUBLISHED:
        messages.success(request, _("Posted as idea #%(number)d on “%(question)s”.") % words)
    else:
        messages.warning(
            request,
            _("Posted as idea #%(number)d on “%(question)s”, held for a moderator's review as any idea is.")
            % words,
        )
    if posted.told:
        messages.success(request, _("The resident was told where they wrote from, with the idea's link."))
    else:
        messages.error(
            request, _("The resident could not be told: %(reason)s") % {"reason": posted.link.not_told_reason}
        )
