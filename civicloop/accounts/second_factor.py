"""Who must give a two-factor code after signing in with a password, and whether this session has.

Required: staff whose role is in STAFF_2FA_REQUIRED_ROLES (Django admin-site accounts count as admins),
and anyone who set up an authenticator app or a passkey anyway (both are django-otp devices; either one
satisfies it). A session signed in by single sign-on never is: the city's identity provider asks for its
own second factor.
"""

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device

from civicloop.accounts.models import Role
from civicloop.accounts.oidc import signed_in_with_oidc

# Pages a half-signed-in person may still reach: signing in and out, the code or passkey
# itself (and adding a first one), the language switch.
SECOND_FACTOR_EXEMPT_VIEWS = frozenset(
    {
        "staff:login",
        "staff:logout",
        "staff:second-factor-verify",
        "staff:second-factor-setup",
        "staff:passkey-verify-options",
        "staff:passkey-verify",
        "staff:passkey-register-options",
        "staff:passkey-register",
        "staff:oidc-login",
        "staff:oidc-callback",
        "admin:login",
        "admin:logout",
        "set_language",
        "healthz",
        "readyz",
        "metrics",
    }
)


# Whether the account had a confirmed device when this session signed in (read once, not every request).
HAS_DEVICE_SESSION_KEY = "staff_second_factor_device"


def second_factor_required_by_role(user: object) -> bool:
    roles = settings.STAFF_2FA_REQUIRED_ROLES
    if getattr(user, "role", "") in roles:
        return True
    return Role.ADMIN in roles and bool(
        getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)
    )


def second_factor_required(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    return second_factor_required_by_role(user) or bool(request.session.get(HAS_DEVICE_SESSION_KEY))


def second_factor_device_remember(request: HttpRequest, user: object) -> None:
    request.session[HAS_DEVICE_SESSION_KEY] = user_has_device(user, confirmed=True)


def second_factor_satisfied(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified()) or signed_in_with_oidc(request)
