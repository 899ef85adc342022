"""The inbox's response and resolution times as open data: small groups withheld, nothing personal, and
published at every public address the other datasets have."""

import csv
import io
import json
from datetime import timedelta

import pytest

from civicloop.accounts.models import User
from civicloop.assistant.tests.test_inbox import make_staff
from civicloop.assistant.tests.test_response_times_by_month import MONDAY_9AM, conversation
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.selectors import export_file
from civicloop.opendata.services import dataset_refresh
from civicloop.opendata.tests.test_privacy import contact_details_in

pytestmark = pytest.mark.django_db
IDENTIFIER = "inbox-response-times"


@pytest.fixture
def staff() -> User:
    return make_staff("rosa")


def spanish_whatsapp_in_november(staff: User) -> None:
    """12 conversations: 11 answered by staff after 1..11 business hours (Monday from 9 am, Tuesday on
    from 8:30), 9 resolved; and 3 English texts, all answered and resolved."""
    for n in range(12):
        reply = MONDAY_9AM + timedelta(hours=n + 1) if n < 11 else None
        if reply is not None and n + 1 > 8:  # Monday 5 pm: the rest of the hours are Tuesday's
            reply = MONDAY_9AM + timedelta(days=1, hours=n + 1 - 8, minutes=-30)
        resolved = reply + timedelta(minutes=30) if reply is not None and n < 9 else None
        conversation("whatsapp", "es", n, reply_at=reply, resolved_at=resolved, staff=staff)
    for n in range(100, 103):
        reply = MONDAY_9AM + timedelta(minutes=10)
        conversation("sms", "en", n, reply_at=reply, resolved_at=reply, staff=staff)


def csv_rows(export: DatasetExport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export_file(export, "csv").read_text())))


def test_small_groups_are_withheld_cell_by_cell(staff, settings):
    settings.OPENDATA_MIN_CELL = 10
    settings.INBOX_BUSINESS_HOURS = "Mon-Fri 08:30-17:00"
    settings.INBOX_FIRST_REPLY_SLA_HOURS = 4
    spanish_whatsapp_in_november(staff)

    export = dataset_refresh(identifier=IDENTIFIER)
    rows = {(row["month"], row["channel"], row["language"]): row for row in csv_rows(export)}

    assert set(rows) == {("2026-11", "whatsapp", "es"), ("2026-11", "sms", "en")}
    spanish = rows["2026-11", "whatsapp", "es"]
    assert spanish["conversations"] == "12" and spanish["answered_by_staff"] == "11"
    # 1..11 business hours: nearest rank 6 and 10 of 11; 4 of 11 within the 4-hour target
    assert spanish["first_reply_median_business_hours"] == "6.0"
    assert spanish["first_reply_p90_business_hours"] == "10.0"
    assert spanish["answered_within_target_share"] == str(round(4 / 11, 4))
    assert spanish["first_reply_target_business_hours"] == "4.0"
    # 9 resolved: under k, so the count and the time it would tell are both empty
    assert spanish["resolved"] == "" and spanish["resolution_median_business_hours"] == ""
    english = rows["2026-11", "sms", "en"]
    withheld = [name for name, value in english.items() if value == ""]
    assert withheld == [
        "conversations",
        "answered_by_staff",
        "first_reply_median_business_hours",
        "first_reply_p90_business_hours",
        "answered_within_target_share",
        "resolved",
        "resolution_median_business_hours",
    ]

    settings.OPENDATA_MIN_CELL = 3  # k is the city's setting: the same rows, now all published
    english = {row["channel"]: row for row in csv_rows(dataset_refresh(identifier=IDENTIFIER))}["sms"]
    assert english["conversations"] == "3" and english["first_reply_median_business_hours"] == "0.17"
    assert english["answered_within_target_share"] == "1.0" and english["resolved"] == "3"


def test_nothing_personal_is_published(staff, settings):
    settings.OPENDATA_MIN_CELL = 1  # every cell published: the most there is to scan
    spanish_whatsapp_in_november(staff)
    for made in conversation("facebook", "en", 500), conversation("instagram", "es", 501):
        made.messages.update(body="write maria.lopez@example.com or call (312) 555-0147")

    export = dataset_refresh(identifier=IDENTIFIER)

    assert set(export.files) == {"csv", "json"}  # no place, no GeoJSON
    items = json.loads(export_file(export, "json").read_text())
    assert {key for item in items for key in item} == {
        "month",
        "channel",
        "language",
        "conversations",
        "answered_by_staff",
        "first_reply_median_business_hours",
        "first_reply_p90_business_hours",
        "first_reply_target_business_hours",
        "answered_within_target_share",
        "resolved",
        "resolution_median_business_hours",
    }
    for fmt in export.files:
        text = export_file(export, fmt).read_text()
        assert contact_details_in(text) == [] and "+1312555" not in text, fmt
        assert "hola" not in text and "maria" not in text and "Rosa" not in text and "dm:" not in text, fmt


def test_every_public_address_serves_it(staff, client, settings):
    settings.OPENDATA_MIN_CELL = 10
    spanish_whatsapp_in_november(staff)
    dataset_refresh(identifier=IDENTIFIER)

    catalog = client.get("/data.json").json()
    entry = next(
        item for item in catalog["dataset"] if item["landingPage"].endswith(f"/opendata/{IDENTIFIER}/")
    )
    assert entry["accrualPeriodicity"] == "R/P1D" and entry["temporal"].startswith("2026-11")
    assert sorted(d["format"] for d in entry["distribution"]) == ["CSV", "JSON"]
    for distribution in entry["distribution"]:
        download = client.get(distribution["downloadURL"].replace("http://testserver", ""))
        assert download.status_code == 200 and b"whatsapp" in b"".join(download.streaming_content)
    dictionary = client.get(entry["describedBy"].replace("http://testserver", "")).json()
    assert "fewer than 10 people" in dictionary["notes"]
    assert "answered_within_target_share" in [field["name"] for field in dictionary["fields"]]
    assert "first_reply_median_business_hours" in client.get(f"/opendata/{IDENTIFIER}/").content.decode()

    package = client.get("/api/3/action/package_show", {"id": IDENTIFIER}).json()["result"]
    assert [group["name"] for group in package["groups"]] == ["communications"]
    found = client.get(
        "/api/3/action/datastore_search",
        {"resource_id": IDENTIFIER, "filters": json.dumps({"channel": "whatsapp"})},
    ).json()["result"]
    assert found["total"] == 1 and found["records"][0]["answered_by_staff"] == 11
    socrata = client.get(f"/resource/{IDENTIFIER}.json", {"$where": "language = 'en'"})
    socrata = json.loads(b"".join(socrata.streaming_content))
    assert [(row["channel"], row.get("conversations")) for row in socrata] == [("sms", None)]
