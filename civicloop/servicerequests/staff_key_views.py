"""Open311 API keys for client applications: administrators issue and revoke them in the console.

The key is shown once, on the page that issues it, and never stored (only its hash is).
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.servicerequests.models import ApiClient
from civicloop.servicerequests.services import ServiceRequestInvalid, api_client_issue, api_client_revoke


class ApiKeyIssueForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Client application"),
        max_length=200,
        help_text=gettext_lazy("Who will use the key, e.g. “SeeClickFix” or “Ward 25 office app”."),
    )
    requests_per_minute = forms.IntegerField(
        label=gettext_lazy("Requests per minute"), min_value=1, max_value=10_000, initial=60
    )


@never_cache  # the page that issues a key shows it: no cache may keep it
@require_http_methods(["GET", "POST"])
@capability_required(Capability.ADMINISTER)
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyIssueForm(request.POST or None)
    issued: tuple[ApiClient, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_client_issue(
                name=form.cleaned_data["name"], requests_per_minute=form.cleaned_data["requests_per_minute"]
            )
        except ServiceRequestInvalid as error:
            form.add_error("name", error.message)
        else:
            form = ApiKeyIssueForm()
    context = {
        "clients": ApiClient.objects.order_by("revoked_at", "name"),
        "form": form,
        "issued_client": issued[0] if issued else None,
        "issued_key": issued[1] if issued else "",
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "servicerequests/staff/api_keys.html", context, status=status)


@require_POST
@capability_required(Capability.ADMINISTER)
def api_key_revoke(request: HttpRequest, client_id: int) -> HttpResponse:
    client = ApiClient.objects.filter(pk=client_id).first()
    if client is None:
        raise Http404("No such API client.")
    api_client_revoke(client=client)
    messages.success(request, _("The key of %(name)s is revoked.") % {"name": client.name})
    return HttpResponseRedirect(reverse("staff:api-keys"))
