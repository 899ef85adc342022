"""The error a query the caller wrote cannot be run with, and Socrata's codes for it."""

from __future__ import annotations

from civicloop.core.errors import DomainError

# Socrata's error codes.
MALFORMED = "query.compiler.malformed"
NO_SUCH_COLUMN = "query.soql.no-such-column"
TYPE_MISMATCH = "query.soql.type-mismatch"


class QueryInvalid(DomainError):
    """The caller's query cannot be run: malformed, an unknown column, or a value of the wrong type."""

    def __init__(self, message: str, *, code: str = MALFORMED, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code
