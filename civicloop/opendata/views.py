"""The catalogue's pages and files: /opendata/ (human), /data.json (DCAT-US), downloads, dictionaries."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from civicloop.core.errors import NotFound
from civicloop.opendata.catalog import MEDIA_TYPES, data_dictionary, dataset_paths, dcat_catalog
from civicloop.opendata.registry import dataset_get, datasets_available
from civicloop.opendata.selectors import export_current, export_file, exports_by_identifier

# A download may be up to this old in a cache; conditional GETs make revalidation cheap.
DOWNLOAD_MAX_AGE = 300


@require_safe
def data_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(dcat_catalog(request.build_absolute_uri), json_dumps_params={"indent": 1})
    patch_cache_control(response, public=True, max_age=DOWNLOAD_MAX_AGE)
    return response


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    exports = exports_by_identifier()
    entries = [
        {
            "dataset": dataset,
            "export": exports.get(dataset.identifier),
            "paths": dataset_paths(dataset.identifier),
        }
        for dataset in datasets_available()
    ]
    return render(request, "opendata/catalogue.html", {"entries": entries})


def _dataset_or_404(identifier: str) -> Any:
    try:
        return dataset_get(identifier)
    except NotFound as error:
        raise Http404(error.message) from error


@require_safe
def dataset_detail(request: HttpRequest, identifier: str) -> HttpResponse:
    dataset = _dataset_or_404(identifier)
    context = {
        "dataset": dataset,
        "export": export_current(identifier),
        "paths": dataset_paths(identifier),
        "formats": [fmt for fmt in MEDIA_TYPES],
    }
    return render(request, "opendata/dataset.html", context)


@require_safe
def dataset_dictionary(request: HttpRequest, identifier: str) -> JsonResponse:
    return JsonResponse(data_dictionary(_dataset_or_404(identifier)), json_dumps_params={"indent": 1})


@require_safe
def dataset_download(request: HttpRequest, identifier: str, fmt: str) -> HttpResponseBase:
    """The current export's file, streamed, with its ETag and Last-Modified (304 when unchanged)."""
    _dataset_or_404(identifier)
    export = export_current(identifier)
    if export is None:
        raise Http404("This dataset has not been published yet.")
    try:
        path = export_file(export, fmt)
    except NotFound as error:
        raise Http404(error.message) from error
    etag = export.files[fmt]["etag"]
    last_modified = int(export.modified.timestamp())
    unchanged = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if unchanged is not None:
        return unchanged
    response = FileResponse(path.open("rb"), content_type=MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="{identifier}.{fmt}"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=DOWNLOAD_MAX_AGE)
    return response
