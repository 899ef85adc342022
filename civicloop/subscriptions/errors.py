"""What can go wrong in a subscription flow; views turn each into a page or a form error."""

from civicloop.core.errors import DomainError


class SubscriptionInvalid(DomainError):
    """The requested choices break a rule (no contact point, no topic, no area, bad value)."""


class LinkInvalid(DomainError):
    """A link token that is forged, damaged, for another purpose or for no subscriber."""


class LinkExpired(LinkInvalid):
    """A genuine link token that is older than its purpose allows."""


class LinkUsed(LinkInvalid):
    """A genuine link token that an unsubscribe has since revoked (token_version moved on)."""


class AlreadyConfirmed(DomainError):
    """The subscription is already active: nothing left to confirm."""
