"""Open311 API clients: keys issued (shown once, stored hashed), revoked, and checked on each call."""

import hashlib
import secrets
from datetime import datetime

from django.utils import timezone

from civicloop.core.errors import DomainError
from civicloop.servicerequests.models import ApiClient
from civicloop.servicerequests.services.errors import ServiceRequestInvalid


class ApiKeyInvalid(DomainError):
    """Missing, unknown or revoked api_key: Open311 answers 403."""


def _key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_client_issue(*, name: str, requests_per_minute: int = 60) -> tuple[ApiClient, str]:
    """A new API key for a client application; the raw key is returned once and never stored."""
    if not name.strip():
        raise ServiceRequestInvalid("A client name is required.", field="name")
    raw_key = "c311_" + secrets.token_urlsafe(24)
    client = ApiClient.objects.create(
        name=name.strip()[:200],
        key_prefix=raw_key[:12],
        key_hash=_key_hash(raw_key),
        requests_per_minute=requests_per_minute,
    )
    return client, raw_key


def api_client_revoke(*, client: ApiClient, now: datetime | None = None) -> ApiClient:
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
    client.refresh_from_db()
    return client


def api_client_for_key(raw_key: str) -> ApiClient:
    """The active client holding this key, or ApiKeyInvalid."""
    client = ApiClient.objects.filter(key_hash=_key_hash(raw_key.strip()), revoked_at__isnull=True).first()
    if not raw_key.strip() or client is None:
        raise ApiKeyInvalid("api_key is missing, unknown or revoked.")
    return client
