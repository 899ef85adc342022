"""Adapters for the city's social accounts (Mastodon, Bluesky, Facebook Page, Instagram, X), configured
from settings.

A network is configured when all its credentials are set; unconfigured networks are not posted to, unless
SOCIAL_FILE_DIR is set (the demo): then their posts are written there as files (see `files`). The inbox
reads Mastodon and Bluesky only (`social_inboxes`); Meta and X events come by webhook (X's mentions also by
`x_events`' poll), and staff answer all five (`social_inbox_for`).
"""

from collections.abc import Callable

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
from civicloop.integrations.social.facebook import FacebookPagePoster, FacebookPageReplies
from civicloop.integrations.social.files import FileSocialPoster
from civicloop.integrations.social.graph import DEFAULT_GRAPH_URL
from civicloop.integrations.social.images import SocialImage, SocialImagePoster
from civicloop.integrations.social.instagram import InstagramPoster, InstagramReplies
from civicloop.integrations.social.mastodon import MastodonPoster
from civicloop.integrations.social.text import (
    BLUESKY_LIMIT,
    FACEBOOK_LIMIT,
    INSTAGRAM_LIMIT,
    MASTODON_LIMIT,
    X_LIMIT,
    bluesky_length,
    mastodon_length,
    meta_length,
    x_length,
)
from civicloop.integrations.social.x import DEFAULT_API_URL as DEFAULT_X_API_URL
from civicloop.integrations.social.x import XPoster, XReplies
from civicloop.integrations.social.x_tokens import XTokens

# Every network the city can post to, in the order posts are queued, with its limit and how it counts.
NETWORKS: dict[str, tuple[int, Callable[[str], int]]] = {
    "mastodon": (MASTODON_LIMIT, mastodon_length),
    "bluesky": (BLUESKY_LIMIT, bluesky_length),
    "facebook": (FACEBOOK_LIMIT, meta_length),
    "instagram": (INSTAGRAM_LIMIT, meta_length),
    "x": (X_LIMIT, x_length),
}


def social_posters() -> list[SocialPoster]:
    """One poster per network, in NETWORKS' order: the real account when configured, else (the demo, when
    SOCIAL_FILE_DIR is set) a file writer; empty when nothing is configured."""
    configured: dict[str, SocialPoster] = {poster.network: poster for poster in _adapters()}
    configured.update({poster.network: poster for poster in _publishers()})
    file_dir = getattr(settings, "SOCIAL_FILE_DIR", "")
    posters: list[SocialPoster] = []
    for network, (limit, count) in NETWORKS.items():
        poster = configured.get(network)
        if poster is None and file_dir:
            poster = FileSocialPoster(network, file_dir, limit=limit, count=count)
        if poster is not None:
            posters.append(poster)
    return posters


def _publishers() -> list[SocialPoster]:
    """The accounts that are only posted to (their replies and comments come by webhook)."""
    posters: list[SocialPoster] = []
    graph_url = getattr(settings, "META_GRAPH_URL", "") or DEFAULT_GRAPH_URL
    page_id = getattr(settings, "FACEBOOK_PAGE_ID", "")
    page_token = getattr(settings, "FACEBOOK_PAGE_ACCESS_TOKEN", "")
    if page_id and page_token:
        posters.append(FacebookPagePoster(page_id, page_token, graph_url))
    instagram_id = getattr(settings, "INSTAGRAM_ACCOUNT_ID", "")
    if instagram_id and page_token:
        posters.append(InstagramPoster(instagram_id, page_token, graph_url))
    x = _x_account()
    if x is not None:
        posters.append(XPoster(*x, tokens=XTokens(x[2])))
    return posters


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
    """The poster for `network` (a key of NETWORKS) as `social_posters` chooses it, or None."""
    return next((poster for poster in social_posters() if poster.network == network), None)


def social_inboxes() -> list[SocialInbox]:
    """The same accounts, read for replies and mentions and answering them; empty when none is configured."""
    return list(_adapters())


def _repliers() -> list[SocialInbox]:
    """The accounts only answered from the inbox: what residents write there comes by webhook (and X's
    mentions by `x_events`' poll), so `social_inboxes`, which the poll reads, leaves them out."""
    repliers: list[SocialInbox] = []
    graph_url = getattr(settings, "META_GRAPH_URL", "") or DEFAULT_GRAPH_URL
    page_id = getattr(settings, "FACEBOOK_PAGE_ID", "")
    page_token = getattr(settings, "FACEBOOK_PAGE_ACCESS_TOKEN", "")
    if page_id and page_token:
        repliers.append(FacebookPageReplies(page_id, page_token, graph_url))
    instagram_id = getattr(settings, "INSTAGRAM_ACCOUNT_ID", "")
    if instagram_id and page_token:
        repliers.append(InstagramReplies(instagram_id, page_token, graph_url))
    x = _x_account()
    if x is not None:
        repliers.append(XReplies(*x, tokens=XTokens(x[2])))
    return repliers


def _x_account() -> tuple[str, str, str] | None:
    """(token, user id, API address) of the city's X account: a user token, or an app that refreshes one."""
    x_token = getattr(settings, "X_ACCESS_TOKEN", "")
    refreshable = getattr(settings, "X_CLIENT_ID", "") and getattr(settings, "X_REFRESH_TOKEN", "")
    x_user_id = getattr(settings, "X_USER_ID", "")
    if not (x_token or refreshable) or not x_user_id:
        return None
    return x_token, x_user_id, getattr(settings, "X_API_URL", "") or DEFAULT_X_API_URL


def social_inbox_for(network: str) -> SocialInbox | None:
    """The configured account on `network` the inbox answers from (Mastodon, Bluesky, Facebook, Instagram,
    X), or None; in the demo (SOCIAL_FILE_DIR set) an unconfigured network's replies are written there."""
    found = next((inbox for inbox in [*social_inboxes(), *_repliers()] if inbox.network == network), None)
    file_dir = getattr(settings, "SOCIAL_FILE_DIR", "")
    if found is None and file_dir and network in NETWORKS:
        limit, count = NETWORKS[network]
        return FileSocialPoster(network, file_dir, limit=limit, count=count)
    return found


__all__ = [
    "NETWORKS",
    "SocialImage",
    "SocialImagePoster",
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
