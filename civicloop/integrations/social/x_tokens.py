"""The X account's OAuth 2.0 user token, refreshed before it expires (X's user tokens last two hours).

With `X_CLIENT_ID` and a refresh token (`X_REFRESH_TOKEN` at first, then the one X gave on the last
refresh, stored in `ProviderToken`: X rotates it, each is good for one use), a token about to expire is
exchanged at `POST /2/oauth2/token` (grant_type=refresh_token; a confidential client authenticates with
HTTP Basic `X_CLIENT_ID:X_CLIENT_SECRET`). Without them, `X_ACCESS_TOKEN` is used as it is.
"""

from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.integrations.errors import PermanentProviderError
from civicloop.integrations.models import ProviderToken
from civicloop.integrations.social.base import USER_AGENT, error_for_status, http_request, json_object

PROVIDER = "x"
# Refreshed this long before it expires, so a call never starts with a token about to lapse.
EXPIRY_MARGIN = timedelta(minutes=5)


class XTokens:
    """Where the X adapters get their user token from."""

    def __init__(self, api_url: str, *, timeout: float = 10) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    @property
    def refreshable(self) -> bool:
        return bool(getattr(settings, "X_CLIENT_ID", "")) and bool(
            getattr(settings, "X_REFRESH_TOKEN", "")
            or ProviderToken.objects.filter(provider=PROVIDER).exclude(refresh_token="").exists()
        )

    def current(self, *, now: datetime | None = None) -> str:
        """A token good for the next call: the stored one while it lasts, else a refreshed one."""
        if not self.refreshable:
            return str(getattr(settings, "X_ACCESS_TOKEN", ""))
        moment = now or timezone.now()
        stored = ProviderToken.objects.filter(provider=PROVIDER).first()
        if (
            stored
            and stored.access_token
            and stored.expires_at
            and stored.expires_at > moment + EXPIRY_MARGIN
        ):
            return stored.access_token
        return self.refresh(now=moment)

    def refresh(self, *, now: datetime | None = None, rejected: str = "") -> str:
        """Exchange the refresh token for a new pair and store both. `rejected`: the token X just refused
        (a 401), refreshed even if it looks valid; another process's fresher token is taken as it is."""
        moment = now or timezone.now()
        # The row stays locked over the exchange: the refresh token is good for one use, so two processes
        # must not both spend it.
        with transaction.atomic():
            ProviderToken.objects.get_or_create(
                provider=PROVIDER, defaults={"refresh_token": getattr(settings, "X_REFRESH_TOKEN", "")}
            )
            stored = ProviderToken.objects.select_for_update().get(provider=PROVIDER)
            fresh = stored.expires_at and stored.expires_at > moment + EXPIRY_MARGIN
            if stored.access_token and fresh and stored.access_token != rejected:
                return stored.access_token  # another process refreshed it meanwhile
            refresh_token = stored.refresh_token or getattr(settings, "X_REFRESH_TOKEN", "")
            body = self._exchange(refresh_token)
            stored.access_token = str(body["access_token"])
            stored.refresh_token = str(body.get("refresh_token") or refresh_token)
            stored.expires_at = moment + timedelta(seconds=int(body.get("expires_in") or 7200))
            stored.save(update_fields=["access_token", "refresh_token", "expires_at", "updated_at"])
            return stored.access_token

    def _exchange(self, refresh_token: str) -> dict[str, Any]:
        what = "X token refresh"
        client_id = getattr(settings, "X_CLIENT_ID", "")
        secret = getattr(settings, "X_CLIENT_SECRET", "")
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        response = http_request(
            session,
            "POST",
            f"{self.api_url}/2/oauth2/token",
            timeout=self.timeout,
            what=what,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id},
            auth=(client_id, secret) if secret else None,
        )
        if response.status_code in (400, 401):  # revoked or already spent: someone must authorise again
            raise PermanentProviderError(
                f"{what}: HTTP {response.status_code}", raw=response.text, code="unauthorized"
            )
        if response.status_code != 200:
            raise error_for_status(response, what=what)
        body = json_object(response, what=what)
        if not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise PermanentProviderError(
                f"{what}: answer lacks a token", raw=response.text[:200], code="garbage"
            )
        return body
