"""The demo's staff page that sends a resident's comment or message as if from each network."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.demo.forms import ResidentMessageForm
from civicloop.demo.resident_messages import missing_settings, resident_message_send


@require_http_methods(["GET", "POST"])
@capability_required(Capability.ANSWER_RESIDENTS)
def resident_message(request: HttpRequest) -> HttpResponse:
    """GET/POST /staff/demo/resident-message/: 404 outside the demo (DEMO_RESIDENT_MESSAGES)."""
    if not getattr(settings, "DEMO_RESIDENT_MESSAGES", False):
        raise Http404
    form = ResidentMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        missing = missing_settings(kind)
        if missing:
            form.add_error("kind", _("Set %(names)s first.") % {"names": ", ".join(missing)})
        else:
            sent = resident_message_send(
                kind=kind, sender=form.cleaned_data["sender"], text=form.cleaned_data["text"]
            )
            if sent.status == 200:
                messages.success(
                    request, _("Sent, signed as the network signs it. Open the inbox to see it.")
                )
                return redirect("demo:resident-message")
            form.add_error(None, _("The webhook answered %(status)d.") % {"status": sent.status})
    return render(request, "demo/resident_message.html", {"form": form}, status=400 if form.errors else 200)
