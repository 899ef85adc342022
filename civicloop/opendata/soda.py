"""Socrata-style queries: ``/resource/<identifier>.json`` and ``.csv`` (what Chicago's portal speaks).

Parameters: ``$select``, ``$where``, ``$order``, ``$q``, ``$limit`` (default 1000, at most 50000),
``$offset``, and ``column=value`` equality filters; see ``soql.py`` for the SoQL subset. Errors as
Socrata writes them: HTTP 400 ``{"error": true, "code": …, "message": …}``, 404 for a dataset that
is not in the catalogue. Rows are streamed from the datastore, one page of the export at most.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

import orjson
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from civicloop.core.errors import NotFound
from civicloop.opendata.query import DatastoreQuery, QueryResult, conditions_join, datastore_query, full_text
from civicloop.opendata.registry import ColumnType, Dataset, dataset_get
from civicloop.opendata.selectors import datastore_path
from civicloop.opendata.soql import (
    MALFORMED,
    Comparison,
    Condition,
    QueryInvalid,
    SelectColumn,
    column_resolve,
    order_parse,
    select_parse,
    value_for,
    where_parse,
)

LIMIT_DEFAULT = 1000
LIMIT_MAX = 50000
_PARAMETERS = frozenset({"$select", "$where", "$order", "$q", "$limit", "$offset"})
# Socrata's names for the field types it reports in X-SODA2-Types.
_SODA_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "number",
    ColumnType.NUMBER: "number",
    ColumnType.TIMESTAMP: "floating_timestamp",
    ColumnType.DATE: "text",
    ColumnType.BOOLEAN: "checkbox",
}


def _error(status: int, code: str, message: str) -> HttpResponse:
    return HttpResponse(
        orjson.dumps({"error": True, "code": code, "message": message}),
        status=status,
        content_type="application/json;charset=utf-8",
    )


def _natural(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 18:
        raise QueryInvalid(f"{name} must be a whole number of 0 or more, not {raw!r}", field=name)
    return min(int(raw), maximum)


def _query(dataset: Dataset, request: HttpRequest) -> DatastoreQuery:
    """The caller's parameters as a datastore query, or QueryInvalid naming the parameter at fault."""
    parts: list[Condition | None] = []
    for name, value in request.GET.items():
        if name.startswith("$"):
            if name not in _PARAMETERS:
                raise QueryInvalid(f"The parameter {name} is not supported", field=name)
            continue
        column = column_resolve(dataset, name)  # "column=value": Socrata's simple filter
        parts.append(Comparison(column, "=", value_for(column, value)))
    get = request.GET.get
    if where := get("$where", "").strip():
        parts.append(where_parse(dataset, where))
    if q := get("$q", "").strip():
        parts.append(full_text(dataset, q))
    if selected := get("$select", "").strip():
        select = select_parse(dataset, selected)
    else:  # Socrata leaves its row id out unless asked for (":id")
        select = tuple(SelectColumn(column, column.name) for column in dataset.columns)
    order = order_parse(dataset, ordered) if (ordered := get("$order", "").strip()) else ()
    return DatastoreQuery(
        condition=conditions_join(*parts),
        select=select,
        order=order,
        limit=_natural(request, "$limit", LIMIT_DEFAULT, LIMIT_MAX),
        offset=_natural(request, "$offset", 0, 2**62),
    )


class _Echo:
    """A file-like object for csv.writer that hands back what it is given."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def _csv_lines(names: list[str], result: QueryResult) -> Iterator[str]:
    writer = csv.writer(_Echo())
    try:
        yield writer.writerow(names)
        for row in result.rows:
            yield writer.writerow([_csv_value(value) for value in row])
    finally:
        result.close()


def _json_chunks(names: list[str], result: QueryResult) -> Iterator[bytes]:
    try:
        yield b"["
        separator = b"\n"
        for row in result.rows:
            yield separator + orjson.dumps(dict(zip(names, row, strict=True)))
            separator = b",\n"
        yield b"\n]\n"
    finally:
        result.close()


@require_safe
def soda_resource(request: HttpRequest, identifier: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """``/resource/<identifier>.json|csv``: the dataset's rows that match the SoQL parameters."""
    try:
        dataset = dataset_get(identifier)
        query = _query(dataset, request)
        result = datastore_query(datastore_path(dataset), query, dataset=dataset, with_total=False)
    except NotFound as error:
        return _error(404, "not_found", error.message)
    except QueryInvalid as error:
        return _error(400, error.code or MALFORMED, error.message)
    names = [name for name, _ in result.fields]
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(names, result), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(
            _json_chunks(names, result), content_type="application/json;charset=utf-8"
        )
    response["X-SODA2-Fields"] = json.dumps(names)
    response["X-SODA2-Types"] = json.dumps([_SODA_TYPES[kind] for _, kind in result.fields])
    return response


def soda_unknown_format(request: HttpRequest, identifier: str, fmt: str) -> HttpResponse:
    """Other extensions: a Socrata-style 404 in JSON rather than the site's HTML page."""
    return _error(404, "not_found", f"Unsupported format {fmt!r}: use .json or .csv")
