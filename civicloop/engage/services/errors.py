"""The refusals engage's writes raise; each interface shows them in its own way."""

from civicloop.core.errors import DomainError


class EngageInvalid(DomainError):
    """Bad input: the form shows this message next to `field`."""


class EngageRefused(DomainError):
    """Not allowed here: a closed question, someone else's space, someone else's post (HTTP 403)."""


class PostingLimitReached(DomainError):
    """Too many posts or supports from one person for now (HTTP 429)."""
