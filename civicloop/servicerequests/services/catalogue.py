"""The city's catalogue of services: Chicago's service codes and their definitions, loaded from data."""

import json
from pathlib import Path

from django.db import transaction

from civicloop.servicerequests.catalog import DEFINITIONS, KEYWORDS, NAMES_ES, department_for
from civicloop.servicerequests.models import Service, ServiceAttribute
from civicloop.servicerequests.services.public_lists import requests_version_bump
from civicloop.topics.models import Topic

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "chicago_service_codes.json"


@transaction.atomic
def services_load(*, data_file: Path = DATA_FILE) -> int:
    """Load or refresh Chicago's services and the ten definitions (idempotent)."""
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    rows = json.loads(data_file.read_text(encoding="utf-8"))
    for row in rows:
        department, topic_slug, days = department_for(row["service_name"])
        service, _ = Service.objects.update_or_create(
            code=row["service_code"],
            defaults={
                "name": row["service_name"],
                "name_es": NAMES_ES.get(row["service_name"], ""),
                "key": row.get("chicagorequests_key", "")[:100],
                "department": department,
                "topic": topics.get(topic_slug),
                "keywords": KEYWORDS.get(row["service_name"], ""),
                "sla_hours": days * 24,
            },
        )
        for order, attribute in enumerate(DEFINITIONS.get(row["service_name"], [])):
            ServiceAttribute.objects.update_or_create(
                service=service, code=attribute["code"], defaults={**attribute, "order": order}
            )
    requests_version_bump()  # service names show in the request lists
    return len(rows)
