"""The errors deliberation's writes raise; each interface renders them in its own dialect."""

from civicloop.core.errors import DomainError


class DeliberationInvalid(DomainError):
    """Bad input: the form shows this next to `field`; nothing was written."""


class DeliberationRefused(DomainError):
    """Not allowed now: a closed conversation, an unconfirmed account, another department (403)."""


class StatementLimitReached(DomainError):
    """Too many statements from one person for now (429)."""


class StatementAlreadyDecided(DomainError):
    """Another moderator (or another tab) decided this statement meanwhile: nothing was done twice."""
