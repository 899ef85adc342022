"""The catalogue actions: package_list, package_show, resource_show, package_search (a Solr-like query
over the package dicts), organization_list, group_list and status_show."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from civicloop.core.errors import NotFound
from civicloop.opendata.ckan.packages import _group, _organization, _resource_dataset, ckan_package
from civicloop.opendata.ckan.parameters import CkanValidation, _boolean, _integer
from civicloop.opendata.registry import dataset_get, datasets_available
from civicloop.opendata.selectors import export_current, exports_by_identifier

SEARCH_ROWS_DEFAULT = 10
SEARCH_ROWS_MAX = 1000


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
