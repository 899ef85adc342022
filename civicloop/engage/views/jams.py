"""Jams: hosts' prompts, and the live view's HTML fragments of what is new."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from civicloop.engage import selectors, services
from civicloop.engage.forms import JamPromptForm
from civicloop.engage.selectors import JamCursor
from civicloop.engage.services import EngageInvalid, EngageRefused
from civicloop.engage.views._common import _question, _refused
from civicloop.engage.views.browsing import _question_page


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
@require_safe
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
