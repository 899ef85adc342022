"""The second step of a staff sign-in with an authenticator app: setting one up and giving its code."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicloop.accounts import services
from civicloop.accounts.forms import SecondFactorCodeForm
from civicloop.accounts.models import Passkey, User
from civicloop.accounts.second_factor import (
    second_factor_device_remember,
    second_factor_required,
    second_factor_required_by_role,
    second_factor_satisfied,
)
from civicloop.accounts.staff_sessions import is_staff_account


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
