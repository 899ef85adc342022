"""The demo city's 311: forty requests at every stage, and a year of generated history for the dashboards."""

from datetime import datetime, timedelta

from django.utils import timezone
from shapely.geometry import shape

from civicloop.places.models import CommunityArea
from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_create,
    service_request_status_change,
)

DEMO_REQUEST_COUNT = 40
DEMO_DESCRIPTIONS = [
    ("Deep enough to damage a tire, near the bus stop.", "en"),
    ("Lleva varias semanas así, por favor revisen.", "es"),
    ("Right in front of the school entrance.", "en"),
    ("", "en"),
    ("Cerca de la esquina, frente a la tienda.", "es"),
]
# Where each demo request stands: (detailed status, days ago filed). The old open ones are past their SLA.
DEMO_STAGES = [
    ("submitted", 1, ""),
    ("acknowledged", 3, "Crew scheduled."),
    ("in_progress", 6, "Crew on site."),
    ("completed", 9, "Work completed."),
    ("submitted", 40, ""),
]


def _demo_answer(attribute: ServiceAttribute, moment: datetime) -> list[str]:
    """A plausible answer to a service question, for the demo's requests."""
    if attribute.values:
        return [str(attribute.values[0]["key"])]
    if attribute.datatype == ServiceAttribute.Datatype.NUMBER:
        return ["2"]
    if attribute.datatype == ServiceAttribute.Datatype.DATETIME:
        return [moment.isoformat(timespec="minutes")]
    return ["Seen on the way to work"]


DEMO_HISTORY_REQUESTS = 4000
# Before the forty requests above (up to 42 days old), which stay first in every list.
DEMO_HISTORY_ENDS_DAYS_AGO = 45


def demo_history_ensure() -> int:
    """A year of generated 311 history across the community areas (idempotent), so the dashboards,
    neighbourhood pages and open data have figures above the privacy threshold."""
    from civicloop.servicerequests.bench import requests_generate

    if ServiceRequest.objects.filter(token__startswith="bench-").exists():
        return 0
    until = timezone.now() - timedelta(days=DEMO_HISTORY_ENDS_DAYS_AGO)
    return requests_generate(DEMO_HISTORY_REQUESTS, until=until, span=timedelta(days=315)).count


def demo_requests_ensure() -> int:
    """Forty requests across the common services and real community areas, at every stage (idempotent)."""
    if ServiceRequest.objects.exists():
        return ServiceRequest.objects.count()
    defined = Service.objects.filter(attributes__isnull=False).distinct()
    services = list(defined.prefetch_related("attributes"))
    areas = list(CommunityArea.objects.order_by("number"))
    now = timezone.now()
    for index in range(DEMO_REQUEST_COUNT):
        service, area = services[index % len(services)], areas[(index * 7) % len(areas)]
        stage, days_ago, note = DEMO_STAGES[index % len(DEMO_STAGES)]
        moment = now - timedelta(days=days_ago, hours=index)
        point = shape(area.boundary).representative_point()
        description, language = DEMO_DESCRIPTIONS[index % len(DEMO_DESCRIPTIONS)]
        request = service_request_create(
            data=RequestInput(
                service_code=service.code,
                latitude=f"{point.y:.6f}",
                longitude=f"{point.x:.6f}",
                attributes={
                    attribute.code: _demo_answer(attribute, moment)
                    for attribute in service.attributes.all()
                    if attribute.variable
                },
                description=description,
                language=language,
                channel=ServiceRequest.Channel.PHONE if index % 3 else ServiceRequest.Channel.WEB,
            ),
            now=moment,
        )
        if stage != "submitted":
            service_request_status_change(
                request=request, detailed_status=stage, note=note, now=moment + timedelta(days=1)
            )
    return DEMO_REQUEST_COUNT
