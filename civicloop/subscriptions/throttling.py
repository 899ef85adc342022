"""A small per-client request limit on the shared cache (no raw IP address is stored)."""

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def client_rate_limit_exceeded(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count this request for its client; True once the client made more than `limit` in the window.

    The client is REMOTE_ADDR (behind a proxy, the proxy must set it to the real client address).
    The key is an HMAC of it, so the cache never holds an IP address.
    """
    client = request.META.get("REMOTE_ADDR", "") or "unknown"
    key = f"civicloop:rate:{scope}:{salted_hmac(scope, client).hexdigest()}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit
