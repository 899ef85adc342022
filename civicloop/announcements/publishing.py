"""What publishing an announcement sets off once committed: delivery hands it to the outbox.

Announcements sit below delivery, so they import none of it: delivery registers at start-up (from its
AppConfig.ready()) what to call with each announcement published. Publishing with nothing registered
is refused, so an announcement is never published without anyone being told.
"""

from functools import partial
from typing import Protocol

from django.db import transaction


class PublishedHook(Protocol):
    def __call__(self, *, announcement_id: int) -> None: ...


_hooks: list[PublishedHook] = []


class NobodyDelivers(LookupError):
    """No app registered to deliver published announcements: publishing them would tell nobody."""


def on_published_register(hook: PublishedHook) -> None:
    """Called from an app's ready(): `hook(announcement_id=...)` runs after each publication commits."""
    if hook not in _hooks:
        _hooks.append(hook)


def published_on_commit(announcement_ids: list[int]) -> None:
    """Once the publishing transaction commits, each hook gets each announcement, in that order."""
    if announcement_ids and not _hooks:
        raise NobodyDelivers("No app registered to deliver published announcements (delivery's ready()).")
    for announcement_id in announcement_ids:
        for hook in _hooks:
            transaction.on_commit(partial(hook, announcement_id=announcement_id))
