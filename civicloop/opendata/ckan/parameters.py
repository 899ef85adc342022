"""An action's parameters as CKAN takes them (query string or JSON body), and its Validation Error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from civicloop.core.errors import DomainError
from civicloop.opendata.soql import QueryInvalid


class CkanValidation(DomainError):
    """A parameter CKAN would reject: rendered as a "Validation Error" naming ``field``."""


def _integer(params: Mapping[str, Any], name: str, default: int, *, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", raw):
        value = int(raw)
    else:
        raise CkanValidation("Invalid integer", field=name)
    if value < 0:
        raise CkanValidation("Must be a natural number", field=name)
    return min(value, maximum if maximum is not None else 2**62)


def _boolean(params: Mapping[str, Any], name: str, default: bool) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if str(raw).strip().lower() in ("true", "1", "yes", "on"):
        return True
    if str(raw).strip().lower() in ("false", "0", "no", "off"):
        return False
    raise CkanValidation("Value must be one of: true; false", field=name)


def _json_value(params: Mapping[str, Any], name: str) -> Any:
    """A parameter that is JSON in a query string and may already be parsed in a JSON body."""
    raw = params.get(name)
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise CkanValidation(f"Cannot parse JSON in {name}", field=name) from None
    return raw


def _validated(field: str, parse: Callable[..., Any], *args: Any) -> Any:
    """Runs a parse of one parameter; a QueryInvalid becomes a Validation Error on that parameter."""
    try:
        return parse(*args)
    except QueryInvalid as error:
        raise CkanValidation(error.message, field=field) from error
