"""Why a moderation write was refused: bad input, not allowed, decided already, too many reports."""

from civicloop.core.errors import DomainError


class ModerationInvalid(DomainError):
    """Bad input: the form shows this next to `field`."""


class ModerationRefused(DomainError):
    """Not allowed: someone else's post, an appeal made already, a post that cannot be reported (403)."""


class AlreadyDecided(DomainError):
    """Another moderator (or this one, in another tab) decided this already: nothing was done twice."""


class ReportLimitReached(DomainError):
    """Too many reports from one person or network address for now (429)."""
