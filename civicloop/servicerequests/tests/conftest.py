import pytest

from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service
from civicloop.servicerequests.services import RequestInput, services_load
from civicloop.topics.services import topics_ensure


@pytest.fixture
def catalogue():  # type: ignore[no-untyped-def]
    """Chicago's 191 services (with the ten definitions) and 77 community areas, by service name."""
    topics_ensure()
    community_areas_load()
    services_load()
    return {service.name: service for service in Service.objects.all()}


PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}


# A valid pothole report in Pilsen: the services' tests change one field at a time.
def pothole(catalogue, **overrides):
    values = {
        "service_code": catalogue["Pothole in Street Complaint"].code,
        **PILSEN,
        "attributes": {"WHEREIST": ["TRAFFIC"]},
    }
    values.update(overrides)
    return RequestInput(**values)
