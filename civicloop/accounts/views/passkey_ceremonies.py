"""Passkeys as the second factor: the WebAuthn ceremonies (options, then the browser's answer) to add a
passkey and to verify with one, and removing one. py_webauthn is imported inside each view, when used."""

import json
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login

from civicloop.accounts.models import Passkey, User
from civicloop.accounts.second_factor import second_factor_device_remember, second_factor_satisfied
from civicloop.accounts.staff_sessions import is_staff_account
from civicloop.accounts.views.two_factor import _next_url, _second_factor_person

if TYPE_CHECKING:
    from civicloop.accounts import passkeys


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
