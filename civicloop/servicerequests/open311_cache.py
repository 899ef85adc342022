"""Open311 request lists, cached under the requests' version so an answer is never older than the data.

Clients poll the same lists (the newest requests, one service's); building a 50-request page
costs several times a /healthz (docs/benchmarks.md). Every change the lists show bumps
RequestsVersion in its own transaction (services.requests_version_bump), and the version is read
before the rows, so a cached page is served only while nothing it shows has changed. The default
window moves with the clock: a page is served from the cache only while its oldest request is
still inside the window. The cache is Django's "open311" cache (per process by default; a shared
one such as Redis works as is, since keys carry the version).
"""

import hashlib
from dataclasses import replace
from datetime import datetime

from django.core.cache import caches
from django.http import HttpResponse
from django.utils import translation

from civicloop.servicerequests import open311_render as render
from civicloop.servicerequests import selectors

CACHE_ALIAS = "open311"
# Changed whenever what a list shows changes (2: media_url only http/https), so a shared cache never
# serves an answer rendered by older code.
KEY_PREFIX = "open311-list-2:"


def _key(filters: selectors.RequestFilters, fmt: str, version: str) -> str:
    if filters.window_moves:  # "now" is in the window, not in the question
        filters = replace(filters, start=None, end=None)
    question = repr((filters, fmt, translation.get_language(), version))
    return KEY_PREFIX + hashlib.blake2b(question.encode(), digest_size=16).hexdigest()


def _still_in_window(oldest: datetime | None, filters: selectors.RequestFilters) -> bool:
    return not filters.window_moves or oldest is None or filters.start is None or oldest >= filters.start


def request_list_response(filters: selectors.RequestFilters, fmt: str) -> HttpResponse:
    """GET requests: the cached answer while the data is unchanged, else a fresh one (then cached)."""
    version = selectors.requests_version()  # before the rows: a change committed in between gives new keys
    cache = caches[CACHE_ALIAS]
    key = _key(filters, fmt, version) if version is not None else None
    if key is not None:
        cached = cache.get(key)
        if cached is not None and _still_in_window(cached["oldest"], filters):
            return HttpResponse(cached["body"], content_type=cached["content_type"])
    rows = selectors.request_search(filters)
    payload = render.request_list(rows, extensions=filters.with_notes)
    response = render.response(payload, fmt, root="service_requests", item="request")
    if key is not None:
        oldest = min((row["requested_at"] for row in rows), default=None)
        cache.set(key, {"body": response.content, "content_type": response["Content-Type"], "oldest": oldest})
    return response
