"""The snapshot a refresh reads and its cut into consecutive ranges of the ordering key, one a process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from civicloop.opendata.tables.table_query import _ordered, _query

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset

# Below this many rows a dataset is written by the process that refreshes it: forking costs more.
ROWS_PER_PART_MIN = 50_000


def _at_or_after(order: tuple[str, str], key: tuple[Any, Any]) -> Q:
    first, second = order
    return Q(**{f"{first}__gte": key[0]}) & (
        Q(**{f"{first}__gt": key[0]}) | Q(**{first: key[0], f"{second}__gte": key[1]})
    )


def _before(order: tuple[str, str], key: tuple[Any, Any]) -> Q:
    first, second = order
    return Q(**{f"{first}__lte": key[0]}) & (
        Q(**{f"{first}__lt": key[0]}) | Q(**{first: key[0], f"{second}__lt": key[1]})
    )


def table_snapshot(dataset: Dataset) -> Q:
    """The rows that exist now: up to the last key (rows written later wait for the next refresh)."""
    table = _query(dataset)
    first, second = table.order
    last = _ordered(dataset, None).reverse().values_list(first, second).first()
    if last is None:
        return Q(pk__in=[])
    return Q(**{f"{first}__lte": last[0]}) & (
        Q(**{f"{first}__lt": last[0]}) | Q(**{first: last[0], f"{second}__lte": last[1]})
    )


def table_parts(dataset: Dataset, snapshot: Q, parts: int) -> list[Q]:
    """The snapshot cut into up to `parts` consecutive ranges of about the same number of rows."""
    rows = _ordered(dataset, snapshot)
    count = rows.count()
    parts = max(1, min(parts, count // ROWS_PER_PART_MIN))
    if parts == 1:
        return [snapshot]
    order = _query(dataset).order
    keys = [rows.values_list(*order)[count * k // parts] for k in range(1, parts)]
    bounds: list[Q] = []
    for index in range(parts):
        bound = snapshot
        if index > 0:
            bound &= _at_or_after(order, keys[index - 1])
        if index < parts - 1:
            bound &= _before(order, keys[index])
        bounds.append(bound)
    return bounds
