"""WebAuthn passkeys as a second factor for staff password sign-ins (py_webauthn).

A passkey is a django-otp device (models.Passkey): registering one, or signing in with one, ends with the
view calling `django_otp.login` exactly as the authenticator-app path does, so the second-factor middleware
accepts either. Each ceremony's challenge is made here, kept in the session by the view and used once.
The relying party is the site: its id is `WEBAUTHN_RP_ID` when set, else the request's host without its
port; the origin a response must come from is the request's own scheme and host.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from civicloop.accounts.models import Passkey, StaffAuditEvent, User
from civicloop.accounts.second_factor import second_factor_required_by_role
from civicloop.core.context_processors import city_name
from civicloop.core.errors import DomainError

PASSKEY_NAME_MAX = 64
CEREMONY_TIMEOUT_MS = 120_000
KNOWN_TRANSPORTS = frozenset(transport.value for transport in AuthenticatorTransport)


class PasskeyInvalid(DomainError):
    pass


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party(request: HttpRequest) -> RelyingParty:
    """This site as a WebAuthn relying party: `WEBAUTHN_RP_ID` (default: the host) and the page's origin."""
    host = request.get_host()
    hostname, _port = split_domain_port(host)
    rp_id = settings.WEBAUTHN_RP_ID.strip().lower() or hostname.strip("[]")
    return RelyingParty(id=rp_id, origin=f"{request.scheme}://{host}")


def _user_handle(user: User) -> bytes:
    """A stable, opaque WebAuthn user id for this account (never the username or email)."""
    return salted_hmac("civicloop.accounts.passkeys.user-handle", str(user.pk), algorithm="sha256").digest()


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(credential_id),
            transports=[AuthenticatorTransport(t) for t in transports if t in KNOWN_TRANSPORTS] or None,
        )
        for credential_id, transports in Passkey.objects.filter(user=user, confirmed=True).values_list(
            "credential_id", "transports"
        )
    ]


def passkey_registration_options(*, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """The options for navigator.credentials.create() as JSON, and their challenge (for the session).

    Passkeys this person already has are excluded, so one authenticator is not registered twice.
    """
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=city_name(),
        user_id=_user_handle(user),
        user_name=user.get_username(),
        user_display_name=user.get_full_name() or user.get_username(),
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    return options_to_json(options), options.challenge


def passkey_register(
    *, user: User, credential: Any, name: str, challenge: bytes | None, rp: RelyingParty
) -> Passkey:
    """Verify the browser's answer to the registration options and keep the new passkey (audited)."""
    if not challenge:
        raise PasskeyInvalid(gettext("Start again: the passkey set-up expired."), field="passkey")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyInvalid(
            gettext("The passkey could not be checked. Try again, or use another passkey."), field="passkey"
        ) from error
    transports = credential.get("response", {}).get("transports", []) if isinstance(credential, dict) else []
    label = " ".join(str(name).split())[:PASSKEY_NAME_MAX] or gettext("Passkey")
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                name=label,
                confirmed=True,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=[t for t in transports if isinstance(t, str) and t in KNOWN_TRANSPORTS],
            )
            _audit(kind=StaffAuditEvent.Kind.PASSKEY_ADDED, user=user, passkey=passkey)
    except IntegrityError as error:
        raise PasskeyInvalid(gettext("This passkey is already registered."), field="passkey") from error
    return passkey


def passkey_authentication_options(*, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """The options for navigator.credentials.get() (this person's passkeys only) as JSON, and challenge."""
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def passkey_verify(*, user: User, credential: Any, challenge: bytes | None, rp: RelyingParty) -> Passkey:
    """The passkey of `user` that answered the challenge; its signature counter must have gone up.

    A response for another account's passkey, an old challenge, another origin, a bad signature or a
    counter that did not increase (a cloned or replayed authenticator) is refused and logged as a failure.
    """
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    if not challenge or not isinstance(credential_id, str):
        raise PasskeyInvalid(gettext("Start again: the passkey sign-in expired."), field="passkey")
    try:
        with transaction.atomic():
            passkey = (
                Passkey.objects.select_for_update()
                .filter(user=user, confirmed=True, credential_id=credential_id)
                .first()
            )
            if passkey is None:
                raise PasskeyInvalid(
                    gettext("That passkey is not registered to your account."), field="passkey"
                )
            try:
                verified = verify_authentication_response(
                    credential=credential,
                    expected_challenge=challenge,
                    expected_rp_id=rp.id,
                    expected_origin=rp.origin,
                    credential_public_key=bytes(passkey.public_key),
                    credential_current_sign_count=passkey.sign_count,
                )
            except (WebAuthnException, ValueError, TypeError, KeyError) as error:
                raise PasskeyInvalid(
                    gettext("The passkey could not be checked. Try again, or use another way to sign in."),
                    field="passkey",
                ) from error
            passkey.sign_count = verified.new_sign_count
            passkey.last_used_at = timezone.now()
            passkey.save(update_fields=["sign_count", "last_used_at"])
    except PasskeyInvalid:
        _audit(kind=StaffAuditEvent.Kind.SECOND_FACTOR_FAILED, user=user, target="passkey")
        raise
    _audit(kind=StaffAuditEvent.Kind.SECOND_FACTOR_VERIFIED, user=user, passkey=passkey)
    return passkey


def passkey_remove(*, user: User, passkey_id: int) -> Passkey:
    """Remove one of this person's own passkeys (audited); another person's is never found.

    Someone whose role requires two-factor sign-in keeps at least one way to give it: their last passkey
    goes only once they have an authenticator app or another passkey.
    """
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().filter(user=user, pk=passkey_id).first()
        if passkey is None:
            raise PasskeyInvalid(gettext("That passkey was already removed."), field="passkey")
        others = Passkey.objects.filter(user=user, confirmed=True).exclude(pk=passkey.pk).exists()
        has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        if second_factor_required_by_role(user) and not (others or has_app):
            raise PasskeyInvalid(
                gettext(
                    "Your role needs a second step at sign-in: add another passkey or an authenticator app "
                    "before you remove your last passkey."
                ),
                field="passkey",
            )
        _audit(kind=StaffAuditEvent.Kind.PASSKEY_REMOVED, user=user, passkey=passkey)
        passkey.delete()
    return passkey


def passkey_credential_parse(body: bytes) -> dict[str, Any]:
    """The JSON a passkey script posted: {"credential": {...}, "name": "..."}; a bad body is refused."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise PasskeyInvalid(
            gettext("The passkey answer was not readable. Try again."), field="passkey"
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("credential"), dict):
        raise PasskeyInvalid(gettext("The passkey answer was not readable. Try again."), field="passkey")
    return data


def _audit(
    *, kind: StaffAuditEvent.Kind, user: User, passkey: Passkey | None = None, target: str = ""
) -> None:
    from civicloop.accounts.services import staff_audit_record

    staff_audit_record(kind=kind, actor=user, target=f"passkey={passkey.pk}" if passkey else target)
