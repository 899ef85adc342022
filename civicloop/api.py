"""The platform's JSON API at /api/v1/ (django-ninja): read endpoints, OpenAPI at /api/v1/openapi.json.

Each app contributes a router from its own ``api.py``; this module only assembles them.
"""

from ninja import NinjaAPI

from civicloop.announcements.api import router as announcements_router
from civicloop.deliberation.api import router as deliberation_router
from civicloop.engage.api import router as engage_router
from civicloop.places.api import router as places_router
from civicloop.topics.api import router as topics_router

api_v1 = NinjaAPI(
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
