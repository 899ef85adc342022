"""Signed links in emails and texts: a few whole numbers, signed for one purpose, with an age limit.

A resident with no password proves they read the message by opening its link. Each purpose has its
own salt, so one kind of link can never be used as another.
"""

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError


def link_token(data: dict[str, int], *, salt: str) -> str:
    return signing.dumps(data, salt=salt, compress=False)


def link_read(token: str, *, salt: str, max_age: timedelta, invalid: type[DomainError]) -> dict[str, int]:
    """The numbers a link carries; `invalid` (the caller's error) if forged, expired or malformed."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise invalid(_("This link has expired.")) from error
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise invalid(_("This link is not valid.")) from error
    if not isinstance(data, dict) or not all(isinstance(value, int) for value in data.values()):
        raise invalid(_("This link is not valid."))
    return data
