"""The catalogue (services/catalogue.py): Chicago's 191 services with their departments and definitions,
loaded again without duplicates."""

import pytest

from civicloop.servicerequests.models import Service, ServiceAttribute
from civicloop.servicerequests.services import services_load

pytestmark = pytest.mark.django_db


def test_all_191_services_load_with_a_department_and_ten_definitions_use_every_datatype(catalogue):
    assert len(catalogue) == 191
    assert not Service.objects.filter(department="").exists()
    assert Service.objects.filter(attributes__isnull=False).distinct().count() == 10
    assert set(ServiceAttribute.objects.values_list("datatype", flat=True)) == set(
        ServiceAttribute.Datatype.values
    )
    assert catalogue["Pothole in Street Complaint"].department == "Transportation"
    services_load()
    assert Service.objects.count() == 191  # idempotent
