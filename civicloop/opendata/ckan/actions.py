"""The actions by name, help_show, and the view that runs one in CKAN's envelope and error dialect."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civicloop.core.errors import DomainError, NotFound
from civicloop.opendata.ckan.catalogue import (
    group_list,
    organization_list,
    package_list,
    package_search,
    package_show,
    resource_show,
    status_show,
)
from civicloop.opendata.ckan.datastore_rows import datastore_search
from civicloop.opendata.ckan.parameters import CkanValidation


def help_show(request: HttpRequest, params: Mapping[str, Any]) -> Any:
    """The documentation of an action (``name``)."""
    name = str(params.get("name") or "")
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return " ".join((ACTIONS[name].__doc__ or "").split())


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
