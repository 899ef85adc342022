"""datastore_search: rows of a dataset's datastore, filtered, searched, sorted and paged as CKAN does."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from civicloop.opendata.ckan.packages import _resource_dataset
from civicloop.opendata.ckan.parameters import CkanValidation, _boolean, _integer, _json_value, _validated
from civicloop.opendata.query import DatastoreQuery, conditions_join, datastore_query, full_text
from civicloop.opendata.registry import Column, ColumnType, Dataset
from civicloop.opendata.selectors import datastore_path
from civicloop.opendata.soql import (
    ROW_ID,
    Condition,
    Contains,
    InList,
    IsNull,
    OrderKey,
    SelectColumn,
    column_resolve,
    value_for,
)
from civicloop.opendata.soql import Comparison as SoqlComparison

DATASTORE_LIMIT_DEFAULT = 100
DATASTORE_LIMIT_MAX = 32000  # CKAN's ckan.datastore.search.rows_max
CKAN_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "int",
    ColumnType.NUMBER: "numeric",
    ColumnType.TIMESTAMP: "timestamp",
    ColumnType.DATE: "date",
    ColumnType.BOOLEAN: "bool",
}


def _filter_bound(column: Column, value: Any) -> Any:
    # CKAN casts a filter's value to the column's type, so 123 finds the text "123".
    if column.type == ColumnType.TEXT and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return value_for(column, value)


def _filters(dataset: Dataset, params: Mapping[str, Any]) -> Condition | None:
    filters = _json_value(params, "filters")
    if filters is None or filters == "":
        return None
    if not isinstance(filters, dict):
        raise CkanValidation("filters must be a JSON object of column: value or [values]", field="filters")
    parts: list[Condition] = []
    for name, value in filters.items():
        column = _validated("filters", column_resolve, dataset, name)
        if value is None:
            parts.append(IsNull(column))
        elif isinstance(value, list):
            if (
                not value
                or len(value) > 1000
                or any(item is None or isinstance(item, list | dict) for item in value)
            ):
                raise CkanValidation(f"filter on {name!r}: give from 1 to 1000 values", field="filters")
            values = tuple(_validated("filters", _filter_bound, column, item) for item in value)
            parts.append(
                InList(column, values) if len(values) > 1 else SoqlComparison(column, "=", values[0])
            )
        elif isinstance(value, dict):
            raise CkanValidation(f"filter on {name!r}: a value or a list of values", field="filters")
        else:
            bound = _validated("filters", _filter_bound, column, value)
            parts.append(SoqlComparison(column, "=", bound))
    return conditions_join(*parts)


def _full_text(dataset: Dataset, params: Mapping[str, Any]) -> Condition | None:
    q = params.get("q")
    if isinstance(q, str) and q.strip().startswith("{"):
        q = _json_value(params, "q")
    if q is None or q == "":
        return None
    if isinstance(q, str):
        return full_text(dataset, q)
    if isinstance(q, dict):
        parts: list[Condition] = []
        for name, text in q.items():
            column = _validated("q", column_resolve, dataset, name)
            if not isinstance(text, str) or column.type == ColumnType.BOOLEAN:
                raise CkanValidation(f"q on {name!r}: text to search for in a text column", field="q")
            parts.append(Contains((column,), text))
        return conditions_join(*parts)
    raise CkanValidation("q must be text or a JSON object of column: text", field="q")


def _fields(dataset: Dataset, params: Mapping[str, Any]) -> tuple[SelectColumn, ...] | None:
    raw = params.get("fields")
    if isinstance(raw, str) and raw.strip().startswith("["):
        raw = _json_value(params, "fields")
    if raw is None or raw == "" or raw == []:
        return None
    names = [name.strip() for name in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise CkanValidation("fields must be a comma-separated list of column names", field="fields")
    columns = [_validated("fields", column_resolve, dataset, name) for name in names]
    return tuple(dict.fromkeys(SelectColumn(column, column.name) for column in columns))


_SORT_PART = re.compile(
    r'^\s*(?:"(?P<quoted>[^"]+)"|(?P<name>[\w:]+))(?:\s+(?P<direction>asc|desc))?\s*$', re.I
)


def _sort(dataset: Dataset, params: Mapping[str, Any]) -> tuple[OrderKey, ...]:
    raw = params.get("sort")
    if raw is None or raw == "":
        return ()
    keys = []
    for part in str(raw).split(","):
        match = _SORT_PART.match(part)
        if match is None:
            raise CkanValidation(f"Cannot sort by {part.strip()!r}", field="sort")
        name = match["quoted"] or match["name"]
        column = _validated("sort", column_resolve, dataset, name)
        keys.append(OrderKey(column, (match["direction"] or "").lower() == "desc"))
    return tuple(keys)


def _link(request: HttpRequest, params: Mapping[str, Any], offset: int | None) -> str:
    query = {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in params.items()
        if name != "offset" and value is not None
    }
    if offset:
        query["offset"] = str(offset)
    return f"{request.path}?{urlencode(query)}"


def datastore_search(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """Rows of a dataset's datastore: ``resource_id``, ``filters`` {column: value or [values]}, ``q``
    (text in any text column, or {column: text}), ``fields``, ``sort`` ("col desc, col2"), ``limit``
    (default 100, at most 32000), ``offset``, ``include_total``."""
    resource_id = params.get("resource_id") or params.get("id")
    if not resource_id or not isinstance(resource_id, str):
        raise CkanValidation("Missing value", field="resource_id")
    dataset = _resource_dataset(resource_id)
    condition = conditions_join(_filters(dataset, params), _full_text(dataset, params))
    select = _fields(dataset, params)
    order = _sort(dataset, params)
    limit = _integer(params, "limit", DATASTORE_LIMIT_DEFAULT, maximum=DATASTORE_LIMIT_MAX)
    offset = _integer(params, "offset", 0)
    include_total = _boolean(params, "include_total", True)
    if select is None:
        select = (SelectColumn(ROW_ID, ROW_ID.name), *(SelectColumn(c, c.name) for c in dataset.columns))
    result = datastore_query(
        datastore_path(dataset),
        DatastoreQuery(condition=condition, select=select, order=order, limit=limit, offset=offset),
        dataset=dataset,
        with_total=include_total,
    )
    try:
        names = [name for name, _ in result.fields]
        records = [dict(zip(names, row, strict=True)) for row in result.rows]
    finally:
        result.close()
    descriptions = {column.name: column.description for column in (ROW_ID, *dataset.columns)}
    response: dict[str, Any] = {
        "include_total": include_total,
        "resource_id": resource_id,
        "fields": [
            {"id": name, "type": CKAN_TYPES[kind], "info": {"notes": descriptions.get(name, "")}}
            for name, kind in result.fields
        ],
        "records_format": "objects",
        "records": records,
        "limit": limit,
        "offset": offset,
        "_links": {"start": _link(request, params, None), "next": _link(request, params, offset + limit)},
    }
    if result.total is not None:
        response["total"] = result.total
        response["total_was_estimated"] = False
    if params.get("sort"):
        response["sort"] = params["sort"]
    return response
