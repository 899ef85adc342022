import pytest

from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service
from civicloop.servicerequests.services import services_load
from civicloop.topics.services import topics_ensure


@pytest.fixture
def catalogue():  # type: ignore[no-untyped-def]
    """Chicago's 191 services (with the ten definitions) and 77 community areas, by service name."""
    topics_ensure()
    community_areas_load()
    services_load()
    return {service.name: service for service in Service.objects.all()}
