"""The platform's JSON API at /api/v1/ (django-ninja): read endpoints, OpenAPI at /api/v1/openapi.json.

Each app contributes a router from its own ``api.py``; this module only assembles them.
"""

from typing import Any

from ninja import NinjaAPI

from civicloop.announcements.api import router as announcements_router
from civicloop.deliberation.api import router as deliberation_router
from civicloop.engage.api import router as engage_router
from civicloop.places.api import router as places_router
from civicloop.topics.api import router as topics_router

_ERROR = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
}
_INVALID = {
    "title": "ValidationError",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "array", "items": {"type": "object"}}},
    "required": ["detail"],
}
# Text parameters take any character but NUL, which core.null_bytes refuses with a 400 before the API.
_NO_NUL = "^[^\\u0000]*$"


def _answer(description: str, name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


class CivicloopAPI(NinjaAPI):
    """Documents the errors every operation may answer, which django-ninja leaves out of the OpenAPI file:
    400 (a NUL character, refused before the API by core.null_bytes, so text parameters say they take
    none), 404 (an item not found, on the operations that read one) and 422 (a parameter that is not of
    its type or out of its range). Schemathesis holds the API to it (core/tests/test_api_fuzz.py)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            Error=_ERROR, ValidationError=_INVALID
        )
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("schema", {}).get("type") == "string":
                        parameter["schema"].setdefault("pattern", _NO_NUL)
                responses = operation["responses"]
                responses.setdefault("400", _answer("The request holds a NUL character", "Error"))
                if "{" in path:
                    responses.setdefault("404", _answer("Not found", "Error"))
                if operation.get("parameters"):
                    responses.setdefault("422", _answer("A parameter is not valid", "ValidationError"))
        return schema


api_v1 = CivicloopAPI(
    title="civicloop API",
    version="1",
    description="Read the city's announcements, topics, community areas, questions, ideas and conversations.",
    urls_namespace="api_v1",
)
api_v1.add_router("", announcements_router)
api_v1.add_router("", topics_router)
api_v1.add_router("", places_router)
api_v1.add_router("", engage_router)
api_v1.add_router("", deliberation_router)
