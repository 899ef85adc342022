"""What a large dataset is read as: one queryset, its columns' fields and its ordering key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset

CHUNK = 5000


@dataclass(frozen=True)
class TableQuery:
    # The rows, unordered; `order` orders them.
    queryset: Callable[[], QuerySet[Any]]
    # Per column, in column order: a field or annotation of the queryset.
    fields: tuple[str, ...]
    # Two non-null fields, unique together, indexed in this order: (the time, the primary key).
    order: tuple[str, str]
    # Columns of residents' text, masked in the rows the flag marks.
    masked: frozenset[str]
    # A boolean field: True when a row's masked columns may hold an email address or phone number.
    may_hold_contact_details: str
    # Columns whose values never need CSV quoting (codes, numbers, times), by the city's own format.
    plain: frozenset[str] = frozenset()


def _query(dataset: Dataset) -> TableQuery:
    if dataset.table is None:
        raise ValueError(f"dataset {dataset.identifier!r} is not read as one query")
    return dataset.table


def _ordered(dataset: Dataset, where: Q | None) -> QuerySet[Any]:
    table = _query(dataset)
    rows = table.queryset()
    if where is not None:
        rows = rows.filter(where)
    return rows.order_by(*table.order)
