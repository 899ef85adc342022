"""No export contains a contact detail: every dataset's every format is scanned for email addresses and
phone numbers (libphonenumber's matcher), after residents typed theirs into what is published."""

import re
from pathlib import Path

import phonenumbers
import pytest
from django.core.management import call_command

from civicloop.engage.models import Comment, Idea
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.selectors import export_file
from civicloop.opendata.services import datasets_refresh_all
from civicloop.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.django_db
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PLANTED_EMAIL = "maria.lopez@example.com"
PLANTED_PHONE = "(312) 555-0147"


def contact_details_in(text: str) -> list[str]:
    found = EMAIL.findall(text)
    found += [match.raw_string for match in phonenumbers.PhoneNumberMatcher(text, "US")]
    return found


def test_the_scan_finds_what_it_looks_for():
    assert contact_details_in(f"call {PLANTED_PHONE} or write {PLANTED_EMAIL}") == [
        PLANTED_EMAIL,
        PLANTED_PHONE,
    ]
    assert contact_details_in("26-00000040 at 41.762661,-87.575305 on 2026-10-26T04:50:12Z") == []


def test_no_export_contains_an_email_address_or_phone_number(demo_city_with_contacts):
    exports = list(DatasetExport.objects.all())
    assert len(exports) >= 9
    scanned = 0
    for export in exports:
        for fmt in export.files:
            text = Path(export_file(export, fmt)).read_text(encoding="utf-8")
            assert PLANTED_EMAIL not in text and "555-0147" not in text, (export.identifier, fmt)
            for line in text.splitlines():
                assert contact_details_in(line) == [], (export.identifier, fmt, line[:200])
            scanned += 1
    assert scanned >= 19  # CSV and JSON of every dataset, GeoJSON of those with a place


@pytest.fixture
def demo_city_with_contacts():  # type: ignore[no-untyped-def]
    call_command("demo", verbosity=0)
    request = ServiceRequest.objects.order_by("id").first()
    assert request is not None
    ServiceRequest.objects.filter(pk=request.pk).update(
        description=f"Call me at {PLANTED_PHONE} or {PLANTED_EMAIL}",
        status_notes=f"We called {PLANTED_PHONE}",
        email=PLANTED_EMAIL,
        phone="+13125550147",
        first_name="Maria",
        last_name="Lopez",
        address=f"1200 W 18th St, text {PLANTED_PHONE}",
    )
    idea = Idea.objects.order_by("id").first()
    assert idea is not None
    Idea.objects.filter(pk=idea.pk).update(
        title=f"Write to {PLANTED_EMAIL}",
        body=f"Text me on {PLANTED_PHONE}",
        status_reason=f"Ask {PLANTED_EMAIL}",
    )
    Comment.objects.filter(is_official=True).update(body=f"Call the ward office: {PLANTED_PHONE}")
    outcome = datasets_refresh_all()
    assert set(outcome.values()) == {"ok"}, outcome
    return outcome
