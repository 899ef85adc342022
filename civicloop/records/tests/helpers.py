"""Rows a records test needs, made through the owning apps' services where they have one."""

from civicloop.servicerequests.models import Service


def make_service() -> Service:
    service, _created = Service.objects.get_or_create(
        code="4fd3b167e750846744000005",
        defaults={"name": "Rodent Baiting / Rat Complaint", "department": "Streets and Sanitation"},
    )
    return service
