"""Signed links for people who follow a request: confirm a follow, stop updates, reopen ("not fixed?").

Residents have no account: the signed link is the authorisation. Each purpose has its own salt, so
one kind of link can never be used as another.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse

from civicloop.core.errors import DomainError
from civicloop.core.links import link_read, link_token

FOLLOW_CONFIRM_MAX_AGE = timedelta(days=7)
STOP_MAX_AGE = timedelta(days=365)
REOPEN_MAX_AGE = timedelta(days=30)


class RequestLinkInvalid(DomainError):
    """A follow, stop or reopen link that is forged, expired or no longer applies."""


@dataclass(frozen=True)
class StopPayload:
    request_id: int
    contact_point_id: int


def _dumps(data: dict[str, int], purpose: str) -> str:
    return link_token(data, salt=f"civicloop.requests.{purpose}")


def _loads(token: str, purpose: str, max_age: timedelta) -> dict[str, int]:
    return link_read(token, salt=f"civicloop.requests.{purpose}", max_age=max_age, invalid=RequestLinkInvalid)


def follow_confirm_token(follower_id: int) -> str:
    return _dumps({"f": follower_id}, "follow")


def follow_confirm_read(token: str) -> int:
    return _loads(token, "follow", FOLLOW_CONFIRM_MAX_AGE).get("f", 0)


def stop_token(*, request_id: int, contact_point_id: int) -> str:
    return _dumps({"r": request_id, "p": contact_point_id}, "stop")


def stop_read(token: str) -> StopPayload:
    data = _loads(token, "stop", STOP_MAX_AGE)
    return StopPayload(request_id=data.get("r", 0), contact_point_id=data.get("p", 0))


def reopen_token(*, request_id: int, change_id: int) -> str:
    # Tied to the change that closed the request: once reopened (or changed again) the link is spent.
    return _dumps({"r": request_id, "c": change_id}, "reopen")


def reopen_read(token: str) -> tuple[int, int]:
    data = _loads(token, "reopen", REOPEN_MAX_AGE)
    return data.get("r", 0), data.get("c", 0)


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def follow_confirm_url(follower_id: int) -> str:
    return absolute(reverse("requests:follow_confirm", args=[follow_confirm_token(follower_id)]))


def stop_url(*, request_id: int, contact_point_id: int) -> str:
    token = stop_token(request_id=request_id, contact_point_id=contact_point_id)
    return absolute(reverse("requests:stop", args=[token]))


def reopen_url(*, public_id: str, request_id: int, change_id: int) -> str:
    token = reopen_token(request_id=request_id, change_id=change_id)
    return absolute(reverse("requests:reopen", args=[public_id, token]))


def follower_links(*, request_id: int, contact_point_id: int, tracking_url: str) -> dict[str, str]:
    """A follower's own links in an update: the email layer puts them where a newsletter has its own."""
    return {
        "preferences_url": tracking_url,
        "unsubscribe_url": stop_url(request_id=request_id, contact_point_id=contact_point_id),
    }


def follower_notification_links(context: dict[str, Any], contact_point_id: int) -> dict[str, str]:
    """A request follower's links in an update whose context names the request (registered with delivery)."""
    return follower_links(
        request_id=int(context["request_id"]),
        contact_point_id=contact_point_id,
        tracking_url=str(context.get("tracking_url", "")),
    )
