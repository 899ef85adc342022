"""Large datasets read as one query: the CSV the database writes, the flag that lets it, the parts."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.core.text import contact_details_mask
from civicloop.opendata.registry import ColumnType, dataset_get
from civicloop.opendata.tables import (
    csv_values,
    postgres_copy,
    table_csv_lines,
    table_csv_write,
    table_parts,
    table_rows,
    table_snapshot,
)
from civicloop.opendata.tables import parts as table_parts_module
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_create,
    service_requests_close,
    services_load,
)
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db
REQUESTS = "311-service-requests"
EMAIL = "maria.lopez@example.com"
PHONE = "(312) 555-0147"


@pytest.fixture
def service():  # type: ignore[no-untyped-def]
    topics_ensure()
    community_areas_load()
    services_load()
    return Service.objects.get(name="Pothole in Street Complaint")


def file(service, **values):  # type: ignore[no-untyped-def]
    location = {"latitude": "41.8565", "longitude": "-87.6617"}
    attributes = {"WHEREIST": ["TRAFFIC"]}
    return service_request_create(
        data=RequestInput(service_code=service.code, **location, attributes=attributes, **values)
    )


def python_csv(dataset, where=None) -> str:  # type: ignore[no-untyped-def]
    """What csv.writer writes for the published rows: the reference the database must match."""
    booleans = [i for i, column in enumerate(dataset.columns) if column.type == ColumnType.BOOLEAN]
    out = io.StringIO()
    writer = csv.writer(out)
    for row in table_rows(dataset, where):
        writer.writerow(csv_values(row, booleans))
    return out.getvalue()


TRICKY = [
    "Plain words only",
    'A "quoted" word, and a comma',
    "Two lines\nof text",
    "Windows\r\nline break",
    "Acentos: callejón, niño, está roto",
    "你好，路灯坏了",
    "Emoji 🕳️ hole",
    "",
    f"Write to {EMAIL}",
    f"Call {PHONE} after 5",
    "Near the 1800 block of S Halsted",
    "x" * 7,
]


def test_the_database_writes_the_same_csv_as_csv_writer(service):
    for index, text in enumerate(TRICKY):
        request = file(service, description=text, address=f"{1800 + index} S Halsted St, Apt 2")
        if index % 3 == 0:
            ServiceRequest.objects.filter(pk=request.pk).update(status_notes=f'Crew sent, "soon", {text}')
    first = ServiceRequest.objects.order_by("id")[0]
    ServiceRequest.objects.filter(pk=ServiceRequest.objects.order_by("-id")[0].pk).update(
        detailed_status=ServiceRequest.Detailed.DUPLICATE,
        parent=first,
        latitude=41.123456789,
        longitude=-87.5,
    )
    # A whole-degree coordinate: Python writes "42.0" (PostgreSQL alone would write "42").
    ServiceRequest.objects.filter(pk=first.pk).update(latitude=42.0, longitude=-87.0)
    service_requests_close(request_ids=[first.pk], detailed_status="completed", note="Fixed, thanks")
    dataset = dataset_get(REQUESTS)

    written = "".join(table_csv_lines(dataset))

    assert written == python_csv(dataset)
    # Both paths ran: the database wrote the plain rows, Python the ones that may hold contact details.
    flags = list(ServiceRequest.objects.values_list("may_hold_contact_details", flat=True))
    assert flags.count(False) >= 5 and flags.count(True) >= 5
    assert EMAIL not in written and "555-0147" not in written
    rows = list(csv.DictReader(io.StringIO(written), fieldnames=dataset.column_names))
    assert rows[-1]["duplicate"] == "true" and rows[-1]["parent_sr_number"] == first.public_id
    assert rows[-1]["latitude"] == "41.123457"  # six decimals, whichever path writes it
    assert (rows[0]["latitude"], rows[0]["longitude"]) == ("42.0", "-87.0")
    assert rows[1]["description"] == 'A "quoted" word, and a comma'
    assert rows[3]["description"] == "Windows\r\nline break"


def test_the_written_file_has_the_header_and_every_row(service, tmp_path):
    for index in range(3):
        file(service, description=f"Hole number {index}")
    dataset = dataset_get(REQUESTS)
    path = tmp_path / "data.csv"

    count = table_csv_write(dataset, path, snapshot=table_snapshot(dataset), processes=2)

    text = path.read_bytes().decode()
    assert count == 3
    assert text.splitlines()[0] == ",".join(dataset.column_names)
    assert text.split("\r\n", 1)[1] == python_csv(dataset)


def test_the_flag_is_kept_by_the_database_on_every_write_path(service):
    request = file(service, description="Pothole by the school")
    flag = lambda: ServiceRequest.objects.get(pk=request.pk).may_hold_contact_details  # noqa: E731

    assert flag() is False
    ServiceRequest.objects.filter(pk=request.pk).update(description=f"call me at {PHONE}")
    assert flag() is True
    ServiceRequest.objects.filter(pk=request.pk).update(description="fixed", may_hold_contact_details=False)
    assert flag() is False
    # A raw statement setting the flag alone cannot mark a row with contact details clean.
    ServiceRequest.objects.filter(pk=request.pk).update(address=f"{EMAIL}")
    ServiceRequest.objects.filter(pk=request.pk).update(may_hold_contact_details=False)
    assert flag() is True
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ServiceRequest._meta.db_table} SET address = %s, status_notes = %s WHERE id = %s",
            ["100 W Madison St", "Arabic-Indic digits ٣١٢٥٥٥٠١٤٧", request.pk],
        )
    assert flag() is True
    service_requests_close(request_ids=[request.pk], detailed_status="completed", note="Done")
    assert flag() is False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from('0123456789xX+@()-. abc\n,"٣０＋'), max_size=40))
def test_a_row_the_database_calls_clean_is_one_masking_leaves_alone(service, text):
    request = ServiceRequest.objects.first() or file(service, description="seed")
    ServiceRequest.objects.filter(pk=request.pk).update(description=text)
    if not ServiceRequest.objects.get(pk=request.pk).may_hold_contact_details:
        assert contact_details_mask(text) == text


def test_parts_cover_the_snapshot_once_in_order_and_later_rows_wait(service, monkeypatch):
    monkeypatch.setattr(table_parts_module, "ROWS_PER_PART_MIN", 2)
    made = [file(service, description=f"Hole {index}") for index in range(7)]
    # Two requests in the same second: the id breaks the tie.
    ServiceRequest.objects.filter(pk=made[4].pk).update(requested_at=made[3].requested_at)
    dataset = dataset_get(REQUESTS)
    snapshot = table_snapshot(dataset)
    later = file(service, description="Filed during the refresh")
    ServiceRequest.objects.filter(pk=later.pk).update(
        requested_at=made[-1].requested_at + timedelta(seconds=5)
    )

    parts = table_parts(dataset, snapshot, 3)

    assert len(parts) == 3
    numbers = [row[0] for part in parts for row in table_rows(dataset, part)]
    assert numbers == [row[0] for row in table_rows(dataset, snapshot)]
    assert later.public_id not in numbers and len(numbers) == 7


@pytest.mark.django_db(transaction=True)
def test_parts_written_side_by_side_make_the_same_file(service, tmp_path, monkeypatch):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        pytest.skip("other processes cannot read an in-memory SQLite database")
    monkeypatch.setattr(table_parts_module, "ROWS_PER_PART_MIN", 2)
    monkeypatch.setattr(postgres_copy, "_COPY_BUFFER", 50)  # PostgreSQL's COPY: lines cut across buffers
    for index, text in enumerate(TRICKY):
        file(service, description=text, address=f"{100 + index} W Madison St")
    dataset = dataset_get(REQUESTS)
    path = tmp_path / "data.csv"

    count = table_csv_write(dataset, path, snapshot=table_snapshot(dataset), processes=2)

    assert count == len(TRICKY)
    assert path.read_bytes().decode().split("\r\n", 1)[1] == python_csv(dataset)
    assert not list(tmp_path.glob("*.part*"))
