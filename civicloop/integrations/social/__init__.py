"""Adapters for the city's social accounts (Mastodon, Bluesky), configured from settings.

A network is configured when all its credentials are set; unconfigured networks are simply not posted to.
"""

from django.conf import settings

from civicloop.integrations.social.base import (
    SocialInbox,
    SocialMention,
    SocialMentions,
    SocialPoster,
    SocialPostResult,
    SocialReplyTarget,
)
from civicloop.integrations.social.bluesky import DEFAULT_PDS_URL, BlueskyPoster
from civicloop.integrations.social.mastodon import MastodonPoster


def social_posters() -> list[SocialPoster]:
    """One poster per configured network, Mastodon first; empty when none is configured."""
    return list(_adapters())


def _adapters() -> list[MastodonPoster | BlueskyPoster]:
    posters: list[MastodonPoster | BlueskyPoster] = []
    mastodon_url = getattr(settings, "MASTODON_BASE_URL", "")
    mastodon_token = getattr(settings, "MASTODON_ACCESS_TOKEN", "")
    if mastodon_url and mastodon_token:
        posters.append(MastodonPoster(mastodon_url, mastodon_token))
    bluesky_handle = getattr(settings, "BLUESKY_HANDLE", "")
    bluesky_password = getattr(settings, "BLUESKY_APP_PASSWORD", "")
    if bluesky_handle and bluesky_password:
        pds_url = getattr(settings, "BLUESKY_PDS_URL", "") or DEFAULT_PDS_URL
        posters.append(BlueskyPoster(pds_url, bluesky_handle, bluesky_password))
    return posters


def social_poster_for(network: str) -> SocialPoster | None:
    """The configured poster for `network` ("mastodon", "bluesky"), or None if it is not configured."""
    return next((poster for poster in social_posters() if poster.network == network), None)


def social_inboxes() -> list[SocialInbox]:
    """The same accounts, read for replies and mentions and answering them; empty when none is configured."""
    return list(_adapters())


def social_inbox_for(network: str) -> SocialInbox | None:
    """The configured account on `network` ("mastodon", "bluesky") for the inbox, or None."""
    return next((inbox for inbox in social_inboxes() if inbox.network == network), None)


__all__ = [
    "SocialInbox",
    "SocialMention",
    "SocialMentions",
    "SocialPostResult",
    "SocialPoster",
    "SocialReplyTarget",
    "social_inbox_for",
    "social_inboxes",
    "social_poster_for",
    "social_posters",
]
