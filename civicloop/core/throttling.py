"""Rate limits on public write endpoints, counted in the shared cache (no raw IP address is stored)."""

import ipaddress

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def rate_limit_exceeded(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """Count one action of `subject` in `scope`; True once it made more than `limit` in the window."""
    key = f"civicloop:rate:{scope}:{salted_hmac(scope, subject).hexdigest()}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit


def client_rate_limit_exceeded(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """The same, per client address: REMOTE_ADDR (behind a proxy, the proxy must set it to the client).

    The key is an HMAC of it, so the cache never holds an IP address.
    """
    client = request.META.get("REMOTE_ADDR", "") or "unknown"
    return rate_limit_exceeded(scope=scope, subject=client, limit=limit, window_seconds=window_seconds)


def client_network_key(request: HttpRequest) -> str:
    """A keyed hash of the client's address (REMOTE_ADDR): tells supports from one network apart
    without storing the address; it cannot be turned back into one without the SECRET_KEY."""
    client = request.META.get("REMOTE_ADDR", "") or ""
    return salted_hmac("civicloop:network", client).hexdigest()[:32] if client else ""


def client_address_pseudonym(request: HttpRequest) -> str | None:
    """A keyed pseudonym of the client's address (REMOTE_ADDR) shaped as an IPv6 address in fd00::/8.

    For code that needs an IP-address-shaped value (django-axes keeps one per failed sign-in, in a
    GenericIPAddressField): the same client always gets the same pseudonym, and it cannot be turned
    back into the address without the SECRET_KEY. An IPv6 client counts as its /64 network (one
    household or server can hold a whole /64). None when there is no address.
    """
    client = request.META.get("REMOTE_ADDR", "") or ""
    if not client:
        return None
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        network = client
    else:
        network = str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else client
    digest = salted_hmac("civicloop:address-pseudonym", network).digest()
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))
