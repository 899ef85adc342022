"""Signing in to the staff console (and the answer when too many failures lock a sign-in out), and the
console's home page."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.login_throttle import login_cooloff, login_lockout_message
from civicloop.accounts.oidc import oidc_enabled
from civicloop.accounts.permissions import ROLE_CAPABILITIES, Capability

LOCKED_OUT_STATUS = 429


class StaffLoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "oidc_enabled": oidc_enabled()}


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a sign-in refused for too many failures.

    The sign-in page again, empty, with one message, HTTP 429 and Retry-After: the same page whatever
    username was tried and whether or not it exists. The admin's login gets its own page the same way.
    """
    match = request.resolver_match
    view_name = match.view_name if match else ""
    message = login_lockout_message()
    response: HttpResponse
    if view_name == "admin:login":
        response = _login_page_locked_out(request, _admin_login_view(request), message)
    elif view_name == "staff:login":
        response = _login_page_locked_out(request, StaffLoginView(), message)
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=LOCKED_OUT_STATUS)
    response["Retry-After"] = str(int(login_cooloff().total_seconds()))
    add_never_cache_headers(response)
    return response


def _login_page_locked_out(request: HttpRequest, view: auth_views.LoginView, message: str) -> HttpResponse:
    view.setup(request)
    form = view.get_form_class()(request)  # unbound: nothing typed is shown again
    context = view.get_context_data(form=form, login_locked_out_message=message)
    response = view.render_to_response(context, status=LOCKED_OUT_STATUS)
    # Returned from a middleware, past the point where Django renders a view's template responses.
    return response.render() if isinstance(response, SimpleTemplateResponse) else response


def _admin_login_view(request: HttpRequest) -> auth_views.LoginView:
    """The view admin.site.login would run, with the same context."""
    site = admin.site
    context: dict[str, Any] = {
        **site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    request.current_app = site.name
    return auth_views.LoginView(
        template_name=site.login_template or "admin/login.html",
        authentication_form=site.login_form or AdminAuthenticationForm,
        extra_context=context,
    )


@require_safe
@capability_required(Capability.VIEW_CONSOLE)
def staff_home(request: HttpRequest) -> HttpResponse:
    capabilities = ROLE_CAPABILITIES.get(request.user.role, frozenset())  # type: ignore[union-attr]
    return render(request, "staff/home.html", {"capabilities": {c.value for c in capabilities}})
