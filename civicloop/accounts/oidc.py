"""Staff single sign-on by OpenID Connect (mozilla-django-oidc): the backend and the two views.

The city's identity provider signs staff in (and asks for their second factor); civicloop checks its ID
token (signature from the provider's JWKS, audience, issuer, expiry, nonce, PKCE), finds the account by
the provider's `sub`, and sets the role from the groups claim at every sign-in (settings.OIDC_ROLE_GROUPS).
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from civicloop.accounts.models import Role, User

logger = logging.getLogger(__name__)

OIDC_BACKEND = "civicloop.accounts.oidc.CityOIDCBackend"
# Highest first: someone in several groups gets the most capable of their roles.
ROLE_RANK = (Role.ADMIN, Role.MODERATOR, Role.COMMUNICATIONS, Role.DEPARTMENT)


def oidc_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID) and OIDC_BACKEND in settings.AUTHENTICATION_BACKENDS


def role_for_groups(groups: object) -> Role | None:
    """The highest staff role whose configured groups the claim names; None when it names none."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, Iterable):
        return None
    names = {str(group) for group in groups}
    configured: Mapping[str, Iterable[str]] = settings.OIDC_ROLE_GROUPS
    for role in ROLE_RANK:
        if names.intersection(configured.get(role.value, ())):
            return role
    return None


def signed_in_with_oidc(request: HttpRequest) -> bool:
    """Django keeps the backend that signed the session in; a client cannot set it."""
    from django.contrib.auth import BACKEND_SESSION_KEY

    return request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND


class CityOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        if request is None or not oidc_enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, ValueError, KeyError) as error:
            # The reason goes to the log only: the person sees one "could not sign you in" message.
            logger.warning("Single sign-on refused: %s", type(error).__name__ + ": " + str(error)[:200])
            return None

    def get_payload_data(self, token: bytes | str, key: Any) -> dict[str, Any]:
        """Verify the ID token fully; the library's own check skips the audience and lets expired
        tokens raise errors it does not catch."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token signed with an unexpected algorithm.")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER or None,
                options={"require": ["exp", "iat", "sub", "aud"]},
                leeway=60,
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}") from error

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint's when there is one (Entra ID puts
        groups in the token; Okta may give them at userinfo); the signed token wins a disagreement."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("Userinfo is about someone else than the ID token.")
            claims = {**userinfo, **payload}
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        from civicloop.accounts.services import staff_user_sync_from_oidc

        claims = self.get_userinfo(access_token, id_token, payload)
        subject = str(claims.get("sub") or "")
        if not subject:
            raise SuspiciousOperation("ID token has no subject.")
        role = role_for_groups(claims.get(settings.OIDC_GROUPS_CLAIM))
        user = staff_user_sync_from_oidc(
            subject=subject,
            role=role,
            email=str(claims.get("email") or ""),
            username=str(claims.get("preferred_username") or claims.get("email") or ""),
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
        )
        if user is None:
            logger.warning(
                "Single sign-on refused: the account is in none of the groups OIDC_ROLE_GROUPS names."
            )
        return user


class StaffOIDCLoginView(OIDCAuthenticationRequestView):
    """GET /staff/oidc/login/: off (404) unless single sign-on is configured."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class StaffOIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; a refused sign-in ends on the sign-in page with a message."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            _(
                "Your city account could not sign you in to the staff console. If you should have access, "
                "ask your IT department to add you to the right group."
            ),
        )
        return HttpResponseRedirect(reverse("staff:login"))
