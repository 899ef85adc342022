"""Signed links for engage: the sign-in magic link and "stop updates about this idea".

A resident has no password: the signed link is the proof they read that address. Each purpose has its
own salt, so one kind of link can never be used as another.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from civicloop.core.errors import DomainError
from civicloop.core.links import link_read, link_token

SIGN_IN_MAX_AGE = timedelta(hours=2)
STOP_MAX_AGE = timedelta(days=365)


class EngageLinkInvalid(DomainError):
    """A sign-in or stop link that is forged, expired or already replaced."""


class EngageLinkUsed(EngageLinkInvalid):
    """A genuine sign-in link that was used already, or replaced by a newer one."""


@dataclass(frozen=True)
class SignInPayload:
    participant_id: int
    token_version: int


@dataclass(frozen=True)
class StopPayload:
    idea_id: int
    contact_point_id: int


def _dumps(data: dict[str, int], purpose: str) -> str:
    return link_token(data, salt=f"civicloop.engage.{purpose}")


def _loads(token: str, purpose: str, max_age: timedelta) -> dict[str, int]:
    return link_read(token, salt=f"civicloop.engage.{purpose}", max_age=max_age, invalid=EngageLinkInvalid)


def sign_in_token(*, participant_id: int, token_version: int) -> str:
    return _dumps({"p": participant_id, "v": token_version}, "sign-in")


def sign_in_read(token: str) -> SignInPayload:
    data = _loads(token, "sign-in", SIGN_IN_MAX_AGE)
    return SignInPayload(participant_id=data.get("p", 0), token_version=data.get("v", 0))


def stop_token(*, idea_id: int, contact_point_id: int) -> str:
    # The contact point, not the participant: the email layer knows only whom a delivery goes to.
    return _dumps({"i": idea_id, "c": contact_point_id}, "stop")


def stop_read(token: str) -> StopPayload:
    data = _loads(token, "stop", STOP_MAX_AGE)
    return StopPayload(idea_id=data.get("i", 0), contact_point_id=data.get("c", 0))


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def sign_in_url(*, participant_id: int, token_version: int, next_path: str = "") -> str:
    token = sign_in_token(participant_id=participant_id, token_version=token_version)
    url = absolute(reverse("engage:sign_in_confirm", args=[token]))
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def stop_url(*, idea_id: int, contact_point_id: int) -> str:
    token = stop_token(idea_id=idea_id, contact_point_id=contact_point_id)
    return absolute(reverse("engage:stop", args=[token]))


def follower_links(*, idea_id: int, contact_point_id: int, idea_url: str) -> dict[str, str]:
    """A recipient's own links in an idea update, for the email layer's List-Unsubscribe and footer."""
    return {
        "preferences_url": idea_url,
        "unsubscribe_url": stop_url(idea_id=idea_id, contact_point_id=contact_point_id),
    }


def follower_notification_links(context: dict[str, Any], contact_point_id: int) -> dict[str, str]:
    """An idea follower's links in an update whose context names the idea (registered with delivery)."""
    return follower_links(
        idea_id=int(context["idea_id"]),
        contact_point_id=contact_point_id,
        idea_url=str(context.get("idea_url", "")),
    )
