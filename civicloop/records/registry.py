"""What the platform holds about one resident, declared per dataset (records/holdings.py).

A holding names the rows of one model that belong to a resident (found from their email address, phone
number, contact points, light accounts and user accounts: a `Subject`), the fields a records request
exports, and what erasure does to them. Every holding is one set-based query: no loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise


@dataclass(frozen=True)
class Subject:
    """One resident as the records know them: the identifiers given, and what they lead to.

    Found once, before anything is erased, so every holding reads the same person whatever order the
    erasure runs in.
    """

    emails: frozenset[str]
    phones: frozenset[str]
    contact_point_ids: frozenset[int]
    subscriber_ids: frozenset[int]
    participant_ids: frozenset[int]
    user_ids: frozenset[int]
    # Which identifiers the request gave ("email", "phone" or "email,phone"), for its record.
    identified_by: str = ""


class Erasure(StrEnum):
    DELETED = "deleted"
    # The row stays; the fields that identify or were private to the person are emptied.
    BLANKED = "blanked"
    # The row stays (public record, statistics, audit trail), no longer linked to anyone identifiable.
    ANONYMISED = "anonymised"
    # The row stays as it is: the city must keep it (`why_kept` says why).
    KEPT = "kept"


# Given the holding's rows, the subject and the moment, change them; the number of rows changed.
EraseRows = Callable[[QuerySet[Any], Subject, datetime], int]


@dataclass(frozen=True)
class Holding:
    name: str
    description: str | Promise
    rows: Callable[[Subject], QuerySet[Any]]
    fields: tuple[str, ...]
    erasure: Erasure
    # None: erasure changes nothing here itself (the rows are counted, e.g. posts whose author is
    # anonymised through their light account).
    erase: EraseRows | None = None
    why_kept: str | Promise = ""


_holdings: dict[str, Holding] = {}


def holding(declared: Holding) -> Holding:
    """Declare a holding; erasure runs them in the order declared (a dataset read from another first)."""
    _holdings[declared.name] = declared
    return declared


def holdings() -> list[Holding]:
    return list(_holdings.values())
