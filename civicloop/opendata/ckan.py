"""The CKAN action API, read-only: ``/api/3/action/<action>`` (and ``/api/action/``, as ckanapi calls it).

Speaks CKAN's dialect so CKAN clients (ckanapi, harvesters, portals) read the catalogue and query the
datastore: GET with query parameters or POST with a JSON body; every answer in CKAN's envelope
``{"help", "success", "result"}``; DomainErrors as CKAN's error objects ("Not Found Error" 404,
"Validation Error" 400 naming the field). Each action parses its parameters, calls the registry,
the selectors or the query engine, and renders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civicloop.core.errors import DomainError, NotFound
from civicloop.opendata.datastore import FORMATS
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.query import DatastoreQuery, conditions_join, datastore_query, full_text
from civicloop.opendata.registry import Column, ColumnType, Dataset, dataset_get, datasets_available
from civicloop.opendata.selectors import datastore_path, export_current, exports_by_identifier
from civicloop.opendata.soql import (
    ROW_ID,
    Condition,
    Contains,
    InList,
    IsNull,
    OrderKey,
    QueryInvalid,
    SelectColumn,
    column_resolve,
    value_for,
)
from civicloop.opendata.soql import Comparison as SoqlComparison

DATASTORE_LIMIT_DEFAULT = 100
DATASTORE_LIMIT_MAX = 32000  # CKAN's ckan.datastore.search.rows_max
SEARCH_ROWS_DEFAULT = 10
SEARCH_ROWS_MAX = 1000
FORMAT_LABELS = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON"}
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}
CKAN_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "int",
    ColumnType.NUMBER: "numeric",
    ColumnType.TIMESTAMP: "timestamp",
    ColumnType.DATE: "date",
    ColumnType.BOOLEAN: "bool",
}
_LICENSES = (
    ("pddl", "odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)"),
    ("odbl", "odc-odbl", "Open Data Commons Open Database License (ODbL)"),
    ("by/4.0", "cc-by", "Creative Commons Attribution"),
    ("zero", "cc-zero", "Creative Commons CCZero"),
)


class CkanValidation(DomainError):
    """A parameter CKAN would reject: rendered as a "Validation Error" naming ``field``."""


# ------------------------------------------------------------------------------------ package dicts


def _ckan_time(moment: datetime | None) -> str | None:
    """As CKAN writes times: UTC without a zone suffix."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() if moment else None


def _organization() -> dict[str, Any]:
    name = slugify(settings.OPENDATA_PUBLISHER)
    return {
        "id": name,
        "name": name,
        "title": settings.OPENDATA_PUBLISHER,
        "display_name": settings.OPENDATA_PUBLISHER,
        "description": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
    }


def _group(theme: str, package_count: int | None = None) -> dict[str, Any]:
    title = theme.replace("-", " ").capitalize()
    group: dict[str, Any] = {
        "id": theme,
        "name": theme,
        "title": title,
        "display_name": title,
        "description": "",
        "image_display_url": "",
    }
    if package_count is not None:
        group.update(package_count=package_count, type="group", is_organization=False, state="active")
    return group


def _license() -> tuple[str, str]:
    url = settings.OPENDATA_LICENSE.lower()
    for needle, license_id, title in _LICENSES:
        if needle in url:
            return license_id, title
    return "other-open", "Other (Open)"


def ckan_package(dataset: Dataset, export: DatasetExport | None, *, request: HttpRequest) -> dict[str, Any]:
    """The dataset as a CKAN package dict (package_show's result): one resource per format the current
    export has, the CSV one datastore-active; no resources while the dataset was never exported."""
    modified = _ckan_time(export.modified) if export is not None else None
    identifier = dataset.identifier
    organization = _organization()
    resources = []
    files = export.files if export is not None else {}
    for position, fmt in enumerate(fmt for fmt in FORMATS if fmt in files):
        resources.append(
            {
                "id": f"{identifier}-{fmt}",
                "package_id": identifier,
                "name": f"{dataset.title} ({FORMAT_LABELS[fmt]})",
                "description": dataset.description,
                "format": FORMAT_LABELS[fmt],
                "mimetype": MEDIA_TYPES[fmt],
                "url": request.build_absolute_uri(f"/opendata/{identifier}.{fmt}"),
                "size": files[fmt].get("size"),
                "datastore_active": fmt == "csv",
                "created": modified,
                "last_modified": modified,
                "metadata_modified": modified,
                "position": position,
                "state": "active",
                "url_type": None,
                "resource_type": None,
            }
        )
    license_id, license_title = _license()
    extras = [{"key": "accrualPeriodicity", "value": dataset.accrual_periodicity}]
    extras.append({"key": "spatial_text", "value": dataset.spatial})
    if export is not None and export.temporal_start and export.temporal_end:
        extras.append({"key": "temporal", "value": f"{export.temporal_start}/{export.temporal_end}"})
    tags = [
        {"id": keyword, "name": keyword, "display_name": keyword, "state": "active", "vocabulary_id": None}
        for keyword in dataset.keywords
    ]
    return {
        "id": identifier,
        "name": identifier,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": True,
        "license_id": license_id,
        "license_title": license_title,
        "license_url": settings.OPENDATA_LICENSE,
        "author": settings.OPENDATA_PUBLISHER,
        "author_email": None,
        "maintainer": settings.OPENDATA_CONTACT_NAME,
        "maintainer_email": settings.OPENDATA_CONTACT_EMAIL,
        "organization": organization,
        "owner_org": organization["id"],
        "groups": [_group(theme) for theme in dataset.theme],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "metadata_created": modified,
        "metadata_modified": modified,
        "extras": extras,
        "url": None,
        "version": None,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


# ------------------------------------------------------------------------------------ parameters


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


# ----------------------------------------------------------------------------------- catalogue actions


def _packages(request: HttpRequest) -> list[dict[str, Any]]:
    exports = exports_by_identifier()
    return [ckan_package(d, exports.get(d.identifier), request=request) for d in datasets_available()]


def _package_id(params: Mapping[str, Any]) -> str:
    identifier = params.get("id") or params.get("name")
    if not identifier or not isinstance(identifier, str):
        raise CkanValidation("Missing value", field="id")
    return identifier


def package_list(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """The names of the catalogue's datasets, sorted (``limit``, ``offset``)."""
    names = sorted(dataset.identifier for dataset in datasets_available())
    offset = _integer(params, "offset", 0)
    limit = _integer(params, "limit", len(names))
    return names[offset : offset + limit]


def package_show(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """One dataset with its resources (``id``: its name)."""
    identifier = _package_id(params)
    try:
        dataset = dataset_get(identifier)
    except NotFound:
        raise NotFound("Dataset not found") from None
    return ckan_package(dataset, export_current(identifier), request=request)


def resource_show(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """One resource (``id``: "<dataset>-<format>")."""
    resource_id = _package_id(params)
    dataset = _resource_dataset(resource_id)
    package = ckan_package(dataset, export_current(dataset.identifier), request=request)
    for resource in package["resources"]:
        if resource["id"] == resource_id:
            return resource
    raise NotFound("Resource was not found.")


_CLAUSE = re.compile(r'(?P<sign>[+-]?)(?:(?P<field>\w+):)?(?:"(?P<quoted>[^"]*)"|(?P<word>\S+))')
_SEARCH_FIELDS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "tags": lambda package: [tag["name"] for tag in package["tags"]],
    "groups": lambda package: [group["name"] for group in package["groups"]],
    "organization": lambda package: [package["organization"]["name"]],
    "res_format": lambda package: [resource["format"] for resource in package["resources"]],
    "name": lambda package: [package["name"]],
    "id": lambda package: [package["id"]],
    "license_id": lambda package: [package["license_id"]],
}
_SORT_KEYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "metadata_modified": lambda package: package["metadata_modified"] or "",
    "metadata_created": lambda package: package["metadata_created"] or "",
    "name": lambda package: package["name"],
    "title_string": lambda package: package["title"].lower(),
    "title": lambda package: package["title"].lower(),
}


def _negated(test: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda package: not test(package)


def _search_matcher(text: str, field: str) -> Callable[[dict[str, Any]], bool]:
    """A Solr-like query as CKAN's search takes it: clauses ANDed; ``field:value`` or ``field:"two
    words"`` on tags, groups, organization, res_format, name, id, license_id; other words anywhere in
    the title, description and keywords (case ignored); ``-`` negates a clause; ``*:*`` is everything."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for match in _CLAUSE.finditer(text.strip()):
        term = match["quoted"] if match["quoted"] is not None else match["word"]
        name = match["field"]
        if term in ("*", "*:*") and name in (None, "*"):
            continue
        needle = term.lower()
        test: Callable[[dict[str, Any]], bool]
        if name is None or name in ("text", "q"):

            def test(package: dict[str, Any], needle: str = needle) -> bool:
                haystack = " ".join(
                    [package["title"], package["notes"] or "", *(tag["name"] for tag in package["tags"])]
                ).lower()
                return needle in haystack

        elif name in _SEARCH_FIELDS:
            values = _SEARCH_FIELDS[name]

            def test(package: dict[str, Any], needle: str = needle, values: Any = values) -> bool:
                return any(value.lower() == needle for value in values(package))

        else:
            raise CkanValidation(f"Cannot search on field {name!r}", field=field)
        if match["sign"] == "-":
            tests.append(_negated(test))
        else:
            tests.append(test)
    return lambda package: all(test(package) for test in tests)


def _search_sort(text: str) -> list[tuple[str, bool]]:
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise CkanValidation(f"Cannot sort by {part.strip()!r}", field="sort")
        if words[0] == "score":
            continue  # no relevance scores: every match counts alike
        if words[0] not in _SORT_KEYS:
            raise CkanValidation(f"Cannot sort by {words[0]!r}", field="sort")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return keys


def package_search(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """Datasets matching ``q`` (free text, or field:value) and ``fq`` (field:value, e.g. tags:311,
    groups:participation), sorted by ``sort`` (default "score desc, metadata_modified desc"), paged by
    ``rows`` (at most 1000) and ``start``."""
    q = str(params.get("q") or "")
    fq = str(params.get("fq") or "")
    sort = str(params.get("sort") or "score desc, metadata_modified desc")
    rows = _integer(params, "rows", SEARCH_ROWS_DEFAULT, maximum=SEARCH_ROWS_MAX)
    start = _integer(params, "start", 0)
    keys = _search_sort(sort)
    matches_q, matches_fq = _search_matcher(q, "q"), _search_matcher(fq, "fq")
    results = [package for package in _packages(request) if matches_q(package) and matches_fq(package)]
    for name, descending in reversed(keys):
        results.sort(key=_SORT_KEYS[name], reverse=descending)
    return {
        "count": len(results),
        "results": results[start : start + rows],
        "sort": sort,
        "facets": {},
        "search_facets": {},
    }


def organization_list(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """The publishing city (``all_fields`` for the whole dict)."""
    organization = _organization()
    if _boolean(params, "all_fields", False):
        return [{**organization, "package_count": len(datasets_available())}]
    return [organization["name"]]


def group_list(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """The themes datasets belong to (``all_fields`` for the whole dicts)."""
    counts: dict[str, int] = {}
    for dataset in datasets_available():
        for theme in dataset.theme:
            counts[theme] = counts.get(theme, 0) + 1
    names = sorted(counts)
    if _boolean(params, "all_fields", False):
        return [_group(name, counts[name]) for name in names]
    return names


def status_show(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """What this API is (CKAN clients ask before they start)."""
    return {
        "site_title": settings.OPENDATA_PUBLISHER,
        "site_url": request.build_absolute_uri("/").rstrip("/"),
        "ckan_version": "2.10.0",
        "site_description": "civicloop open data (read-only CKAN-compatible API)",
        "locale_default": "en",
        "extensions": ["datastore"],
    }


def help_show(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """The documentation of an action (``name``)."""
    name = str(params.get("name") or "")
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return " ".join((ACTIONS[name].__doc__ or "").split())


# ---------------------------------------------------------------------------------- datastore_search


def _resource_dataset(resource_id: str) -> Dataset:
    """A resource id is "<dataset>-<format>" (what package_show lists) or the dataset's own name."""
    candidates = [resource_id]
    base, _, fmt = resource_id.rpartition("-")
    if base and fmt in FORMATS:
        candidates.append(base)
    for candidate in candidates:
        try:
            return dataset_get(candidate)
        except NotFound:
            continue
    raise NotFound(f'Resource "{resource_id}" was not found.')


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


ACTIONS: dict[str, Callable[[HttpRequest, Mapping[str, Any]], Any]] = {
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "resource_show": resource_show,
    "organization_list": organization_list,
    "group_list": group_list,
    "datastore_search": datastore_search,
    "status_show": status_show,
    "help_show": help_show,
}


# --------------------------------------------------------------------------------------------- view


def _respond(request: HttpRequest, action: str, body: dict[str, Any], status: int = 200) -> HttpResponse:
    help_url = request.build_absolute_uri(f"/api/3/action/help_show?{urlencode({'name': action})}")
    return HttpResponse(
        orjson.dumps({"help": help_url, **body}),
        status=status,
        content_type="application/json;charset=utf-8",
    )


def _parameters(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = request.GET.dict()
    if request.method == "POST":
        if request.content_type == "application/json" or request.body.lstrip().startswith(b"{"):
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise CkanValidation(
                    "Bad request - JSON Error: the request body is not JSON", field="body"
                ) from None
            if not isinstance(body, dict):
                raise CkanValidation(
                    "Bad request - JSON Error: the request body must be an object", field="body"
                )
            params.update(body)
        else:
            params.update(request.POST.dict())
    return params


@csrf_exempt  # read-only: CKAN clients POST JSON bodies without a CSRF token
@require_http_methods(["GET", "POST"])
def ckan_action(request: HttpRequest, action: str) -> HttpResponse:
    """``/api/3/action/<action>``: one of ACTIONS, in CKAN's envelope and error dialect."""
    handler = ACTIONS.get(action)
    if handler is None:
        return _respond(
            request,
            action,
            {"success": False, "error": {"message": f"Bad request - Action name not known: {action}"}},
            400,
        )
    try:
        result = handler(request, _parameters(request))
    except NotFound as error:
        body: dict[str, Any] = {"__type": "Not Found Error", "message": f"Not found: {error.message}"}
        return _respond(request, action, {"success": False, "error": body}, 404)
    except DomainError as error:
        body = {"__type": "Validation Error", "message": error.message}
        if error.field and error.field not in body:
            body[error.field] = [error.message]
        return _respond(request, action, {"success": False, "error": body}, 400)
    return _respond(request, action, {"success": True, "result": result})
