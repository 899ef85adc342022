"""Posting to the city's Bluesky account through its PDS (AT Protocol XRPC), and reading and answering the
replies and mentions it gets (app.bsky.notification.listNotifications; a post with a `reply` block).

Session: `com.atproto.server.createSession` with the handle and an app password gives an access JWT and
the account's DID. Sessions are cached per (PDS, handle) for the life of the process (a PDS allows few
createSession calls a day); an expired or rejected token is replaced by a new session once per post.

Exactly once: Bluesky has no idempotency header, so each post gets a record key (rkey) derived from the
caller's idempotency key and `created_at`. A retry asks for the same rkey, which cannot be created twice.
The rkey is a TID (13 base32-sortable characters: microseconds since 1970 and a 10-bit clock id) because
app.bsky.feed.post declares `"key": "tid"` and the Bluesky app does not show posts stored under other keys.

A PDS answers a create for an rkey that already exists with HTTP 500 InternalServerError today
(bluesky-social/atproto#3718); a newer lexicon adds an explicit 400 error for it. Neither says whose
record it is, so after any 5xx, or any 400/409 that mentions an existing record, the adapter reads the
record back with `com.atproto.repo.getRecord`: if it is there, an earlier attempt worked and that is the
result. A reply gets its rkey the same way, so a retried reply is posted once too.

Notifications come newest first; `cursor` pages back to older ones. There is no "since": the inbox reads
pages until it reaches the time (indexedAt) it had read up to.

The parts: ``poster`` (BlueskyPoster), ``records`` (record keys, link facets, times), ``sessions`` (the
session cache) and ``xrpc`` (reading XRPC errors).
"""

from civicloop.integrations.social.bluesky.poster import (
    DEFAULT_APP_URL,
    DEFAULT_PDS_URL,
    LIST_NOTIFICATIONS,
    MENTION_REASONS,
    NOTIFICATIONS_MAX_PAGES,
    NOTIFICATIONS_PAGE,
    BlueskyPoster,
)
from civicloop.integrations.social.bluesky.records import (
    LINK_FEATURE,
    POST_COLLECTION,
    atproto_datetime,
    link_facet,
    link_facets,
    record_key_for,
)
from civicloop.integrations.social.bluesky.sessions import forget_sessions

__all__ = [
    "DEFAULT_APP_URL",
    "DEFAULT_PDS_URL",
    "LINK_FEATURE",
    "LIST_NOTIFICATIONS",
    "MENTION_REASONS",
    "NOTIFICATIONS_MAX_PAGES",
    "NOTIFICATIONS_PAGE",
    "POST_COLLECTION",
    "BlueskyPoster",
    "atproto_datetime",
    "forget_sessions",
    "link_facet",
    "link_facets",
    "record_key_for",
]
