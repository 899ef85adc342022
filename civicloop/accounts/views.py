import csv
import json
from base64 import b32encode
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicloop.accounts import selectors, services
from civicloop.accounts.audit_export import audit_csv_rows
from civicloop.accounts.decorators import capability_required
from civicloop.accounts.forms import AuditFilterForm, SecondFactorCodeForm
from civicloop.accounts.login_throttle import login_cooloff, login_lockout_message
from civicloop.accounts.models import Passkey, StaffAuditEvent, User
from civicloop.accounts.oidc import oidc_enabled
from civicloop.accounts.permissions import ROLE_CAPABILITIES, Capability
from civicloop.accounts.second_factor import (
    second_factor_device_remember,
    second_factor_required,
    second_factor_required_by_role,
    second_factor_satisfied,
)
from civicloop.accounts.staff_sessions import is_staff_account

if TYPE_CHECKING:
    from civicloop.accounts import passkeys

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


@require_GET
@capability_required(Capability.VIEW_CONSOLE)
def staff_home(request: HttpRequest) -> HttpResponse:
    capabilities = ROLE_CAPABILITIES.get(request.user.role, frozenset())  # type: ignore[union-attr]
    return render(request, "staff/home.html", {"capabilities": {c.value for c in capabilities}})


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("staff:home")


def _second_factor_person(request: HttpRequest) -> HttpResponse | None:
    """Signed-in staff only: visitors go to sign in, resident accounts get 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_staff_account(request.user):
        raise PermissionDenied
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: a QR code and the secret as text, confirmed with a first code.

    Someone who already has one must give its code first (a stolen password alone cannot add a device).
    """
    if (refused := _second_factor_person(request)) is not None:
        return refused
    user: User = request.user  # type: ignore[assignment]
    if user_has_device(user, confirmed=True) and not second_factor_satisfied(request):
        return HttpResponseRedirect(
            f"{reverse('staff:second-factor-verify')}?{urlencode({'next': _next_url(request)})}"
        )
    device = services.second_factor_enrolment_device(user=user)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.second_factor_enrolment_confirm(user=user, token=form.cleaned_data["token"])
        except (services.SecondFactorInvalid, services.SecondFactorThrottled) as error:
            form.add_error("token", error.message)
        else:
            request.session.cycle_key()
            otp_login(request, confirmed)
            second_factor_device_remember(request, user)
            messages.success(
                request,
                _(
                    "Two-factor sign-in is set up. You will need a code from the app each time you sign in "
                    "with your password."
                ),
            )
            return HttpResponseRedirect(_next_url(request))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "required": second_factor_required_by_role(user),
        "passkeys": Passkey.objects.filter(user=user, confirmed=True),
    }
    return render(request, "staff/second_factor_setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    if (refused := _second_factor_person(request)) is not None:
        return refused
    user: User = request.user  # type: ignore[assignment]
    if not user_has_device(user, confirmed=True):
        # Reset meanwhile (lost phone): only roles that require a code must set up a new app now.
        second_factor_device_remember(request, user)
        if not second_factor_required(request):
            return HttpResponseRedirect(_next_url(request))
        return HttpResponseRedirect(
            f"{reverse('staff:second-factor-setup')}?{urlencode({'next': _next_url(request)})}"
        )
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(user=user, token=form.cleaned_data["token"])
        except (services.SecondFactorInvalid, services.SecondFactorThrottled) as error:
            form.add_error("token", error.message)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "has_app": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "has_passkey": Passkey.objects.filter(user=user, confirmed=True).exists(),
    }
    return render(request, "staff/second_factor_verify.html", context)


# Each WebAuthn ceremony's challenge, kept in the session between its options and the browser's answer.
PASSKEY_REGISTRATION_CHALLENGE = "staff_passkey_registration_challenge"
PASSKEY_AUTHENTICATION_CHALLENGE = "staff_passkey_authentication_challenge"


def _passkey_refused(request: HttpRequest) -> JsonResponse | None:
    """The passkey endpoints answer signed-in staff only (in JSON, for the script)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Your session ended. Sign in again.")}, status=401)
    if not is_staff_account(request.user):
        return JsonResponse({"error": _("Only staff accounts can use passkeys here.")}, status=403)
    return None


def _may_add_second_factor(request: HttpRequest) -> bool:
    """A first device may be added right after the password; another one only after the second factor."""
    return not user_has_device(request.user, confirmed=True) or second_factor_satisfied(request)


def _challenge_take(request: HttpRequest, key: str) -> bytes | None:
    """The ceremony's challenge, used once: a second answer to the same options is refused."""
    from civicloop.accounts import passkeys  # py_webauthn costs every process ~28 MB: loaded when used

    stored = request.session.pop(key, None)
    return passkeys.base64url_to_bytes(stored) if isinstance(stored, str) and stored else None


def _passkey_error(error: "passkeys.PasskeyInvalid") -> JsonResponse:
    return JsonResponse({"error": error.message}, status=400)


@never_cache
@require_POST
def passkey_register_options(request: HttpRequest) -> JsonResponse:
    """Options for navigator.credentials.create(): this site, this person, a fresh challenge."""
    from civicloop.accounts import passkeys  # py_webauthn costs every process ~28 MB: loaded when used

    if (refused := _passkey_refused(request)) is not None:
        return refused
    if not _may_add_second_factor(request):
        return JsonResponse({"error": _("Give your two-factor code first.")}, status=403)
    options, challenge = passkeys.passkey_registration_options(
        user=request.user,  # type: ignore[arg-type]
        rp=passkeys.relying_party(request),
    )
    request.session[PASSKEY_REGISTRATION_CHALLENGE] = passkeys.bytes_to_base64url(challenge)
    return JsonResponse({"options": json.loads(options)})


@never_cache
@require_POST
def passkey_register(request: HttpRequest) -> JsonResponse:
    """The browser's new credential: checked, kept, and this session counts as verified with it."""
    from civicloop.accounts import passkeys  # py_webauthn costs every process ~28 MB: loaded when used

    if (refused := _passkey_refused(request)) is not None:
        return refused
    if not _may_add_second_factor(request):
        return JsonResponse({"error": _("Give your two-factor code first.")}, status=403)
    user: User = request.user  # type: ignore[assignment]
    challenge = _challenge_take(request, PASSKEY_REGISTRATION_CHALLENGE)
    try:
        data = passkeys.passkey_credential_parse(request.body)
        passkey = passkeys.passkey_register(
            user=user,
            credential=data["credential"],
            name=str(data.get("name") or ""),
            challenge=challenge,
            rp=passkeys.relying_party(request),
        )
    except passkeys.PasskeyInvalid as error:
        return _passkey_error(error)
    request.session.cycle_key()
    otp_login(request, passkey)
    second_factor_device_remember(request, user)
    messages.success(
        request,
        _("Passkey “%(name)s” added. You can use it instead of a code when you sign in with your password.")
        % {"name": passkey.name},
    )
    return JsonResponse({"redirect": _next_url(request)})


@never_cache
@require_POST
def passkey_verify_options(request: HttpRequest) -> JsonResponse:
    """Options for navigator.credentials.get(): this person's passkeys and a fresh challenge."""
    from civicloop.accounts import passkeys  # py_webauthn costs every process ~28 MB: loaded when used

    if (refused := _passkey_refused(request)) is not None:
        return refused
    if not Passkey.objects.filter(user=request.user, confirmed=True).exists():  # type: ignore[misc]
        return JsonResponse(
            {"error": _("Your account has no passkey. Use your authenticator app.")}, status=400
        )
    options, challenge = passkeys.passkey_authentication_options(
        user=request.user,  # type: ignore[arg-type]
        rp=passkeys.relying_party(request),
    )
    request.session[PASSKEY_AUTHENTICATION_CHALLENGE] = passkeys.bytes_to_base64url(challenge)
    return JsonResponse({"options": json.loads(options)})


@never_cache
@require_POST
def passkey_verify(request: HttpRequest) -> JsonResponse:
    """The second step with a passkey: on success the session is verified as with the app's code."""
    from civicloop.accounts import passkeys  # py_webauthn costs every process ~28 MB: loaded when used

    if (refused := _passkey_refused(request)) is not None:
        return refused
    user: User = request.user  # type: ignore[assignment]
    challenge = _challenge_take(request, PASSKEY_AUTHENTICATION_CHALLENGE)
    try:
        data = passkeys.passkey_credential_parse(request.body)
        passkey = passkeys.passkey_verify(
            user=user, credential=data["credential"], challenge=challenge, rp=passkeys.relying_party(request)
        )
    except passkeys.PasskeyInvalid as error:
        return _passkey_error(error)
    request.session.cycle_key()
    otp_login(request, passkey)
    return JsonResponse({"redirect": _next_url(request)})


@never_cache
@require_POST
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of your passkeys (a plain form: no JavaScript needed); back to the two-factor page."""
    from civicloop.accounts import passkeys  # py_webauthn costs every process ~28 MB: loaded when used

    if (refused := _second_factor_person(request)) is not None:
        return refused
    user: User = request.user  # type: ignore[assignment]
    try:
        removed = passkeys.passkey_remove(user=user, passkey_id=pk)
    except passkeys.PasskeyInvalid as error:
        messages.error(request, error.message)
    else:
        if request.session.get(DEVICE_ID_SESSION_KEY) == f"{Passkey.model_label()}/{pk}":
            # This session was verified with it: it stays verified, by another of the person's devices.
            remaining = next(devices_for_user(user, confirmed=True), None)
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            otp_login(request, remaining)
        second_factor_device_remember(request, user)
        messages.success(request, _("Passkey “%(name)s” removed.") % {"name": removed.name})
    return HttpResponseRedirect(reverse("staff:second-factor-setup"))


AUDIT_PAGE_SIZE = 50


@require_GET
@capability_required(Capability.ADMINISTER)
def staff_audit(request: HttpRequest) -> HttpResponse:
    """The staff audit log for admins: who changed what and when, filtered by person and dates."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.staff_audit_events(
        actor=filters.get("actor") or "", since=filters.get("since"), until=filters.get("until")
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
    context = {"form": form, "page": page, "query": query}
    return render(request, "staff/audit.html", context)


class _Echo:
    """A file-like that hands back what csv.writer writes, so each row streams as it is made."""

    def write(self, value: str) -> str:
        return value


@require_GET
@capability_required(Capability.ADMINISTER)
def staff_audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The same log (and filters) as CSV, streamed; exporting it is itself logged."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.staff_audit_events(
        actor=filters.get("actor") or "", since=filters.get("since"), until=filters.get("until")
    )
    services.staff_audit_record(
        kind=StaffAuditEvent.Kind.AUDIT_EXPORTED, actor=request.user, method="GET", route="staff:audit-csv"
    )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_csv_rows(events)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="staff-audit-{stamp}.csv"'
    return response
