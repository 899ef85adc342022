"""A notification recipient's own links, made by the app that sent it (a follower's "stop updates").

Delivery sits below the apps whose notifications it sends, so it imports none of them: each registers at
start-up how to make its followers' links from the notification's context, under the context key it
puts there ("request_id", "idea_id"). A notification no app claims gets the subscriber's own links.
"""

from collections.abc import Callable
from typing import Any

# (the notification's context, the recipient's contact point id) -> {"preferences_url", "unsubscribe_url"}
LinkMaker = Callable[[dict[str, Any], int], dict[str, str]]

_makers: dict[str, LinkMaker] = {}


def notification_links_register(context_key: str, make: LinkMaker) -> None:
    """Called from an app's ready(): notifications whose context holds `context_key` get `make`'s links."""
    _makers[context_key] = make


def notification_links(context: dict[str, Any], contact_point_id: int) -> dict[str, str] | None:
    """The links of the first registered app whose key the context holds, or None."""
    for context_key, make in _makers.items():
        if context.get(context_key):
            return make(context, contact_point_id)
    return None
