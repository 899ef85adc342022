import secrets

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from civicloop.assistant import selectors
from civicloop.assistant.forms import ChatForm
from civicloop.assistant.services.web import web_message_handle
from civicloop.core.errors import NotFound
from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.subscriptions.selectors import language_supported

WEB_VISITOR_KEY = "assistant_visitor"
MESSAGES_SHOWN = 20
# Per network address and 10 minutes: a library or school shares one address.
WEB_MESSAGES_PER_ADDRESS = 120
TOO_MANY = gettext_lazy("Too many messages from your connection. Please wait a few minutes.")


def _visitor_key(request: HttpRequest) -> str:
    """A keyed hash of a random id kept in the visitor's session (never the session key, which rotates)."""
    visitor = request.session.get(WEB_VISITOR_KEY)
    if not visitor:
        visitor = request.session[WEB_VISITOR_KEY] = secrets.token_urlsafe(16)
    return salted_hmac("civicloop.assistant.web", visitor).hexdigest()[:64]


@never_cache
@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    """The assistant on the web: a plain form, the conversation above it; works without JavaScript."""
    form = ChatForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if client_rate_limit_exceeded(
            request, scope="assistant-web", limit=WEB_MESSAGES_PER_ADDRESS, window_seconds=600
        ):
            form.is_valid()
            form.add_error(
                None, gettext_lazy("Too many messages from your connection. Please wait a few minutes.")
            )
            status = 429
        elif form.is_valid():
            web_message_handle(
                web_key=_visitor_key(request),
                body=form.cleaned_data["message"],
                language=language_supported(request.LANGUAGE_CODE),
            )
            return HttpResponseRedirect(f"{reverse('assistant:chat')}#latest")
        else:
            status = 400
    visitor = request.session.get(WEB_VISITOR_KEY)
    key = _visitor_key(request) if visitor else ""
    shown = selectors.web_conversation_messages(key, limit=MESSAGES_SHOWN) if visitor else []
    context = {
        "form": form,
        "messages_shown": shown,
        "staff_answering": bool(shown) and selectors.web_conversation_taken_over(key),
    }
    return render(request, "assistant/chat.html", context, status=status)


@require_safe
def faq_entry_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    """One question and its whole answer: the page the assistant's text messages link to."""
    try:
        entry = selectors.faq_entry_public(external_id=external_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return render(request, "assistant/faq_entry.html", {"entry": entry})
