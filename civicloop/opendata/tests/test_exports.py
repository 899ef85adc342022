import csv
import io
import json
import sqlite3
from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.opendata import registry
from civicloop.opendata import services as opendata_services
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.selectors import export_file, export_folder
from civicloop.opendata.services import (
    DATASTORE_FILE,
    accrual_period,
    dataset_refresh,
    datasets_due,
)
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service
from civicloop.servicerequests.services import RequestInput, service_request_create, services_load
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db
PILSEN = {"latitude": "41.8565", "longitude": "-87.6617"}
REQUESTS = "311-service-requests"


@pytest.fixture
def services():  # type: ignore[no-untyped-def]
    topics_ensure()
    community_areas_load()
    services_load()
    return {service.name: service for service in Service.objects.all()}


def file_request(services, name="Pothole in Street Complaint", **overrides):  # type: ignore[no-untyped-def]
    service = services[name]
    attributes = {"WHEREIST": ["TRAFFIC"]} if name == "Pothole in Street Complaint" else {}
    values = {"service_code": service.code, **PILSEN, "attributes": attributes, **overrides}
    return service_request_create(data=RequestInput(**values))


def test_a_refresh_writes_every_format_from_the_same_rows(services):
    first = file_request(services, description="Deep hole by the bus stop")
    second = file_request(services, description="Another one")
    export = dataset_refresh(identifier=REQUESTS)
    assert export.row_count == 2
    assert set(export.files) == {"csv", "json", "geojson"}

    rows = list(csv.DictReader(io.StringIO(export_file(export, "csv").read_text())))
    assert [row["sr_number"] for row in rows] == [first.public_id, second.public_id]
    assert rows[0]["description"] == "Deep hole by the bus stop"
    assert rows[0]["community_area"] == "Lower West Side"
    assert rows[0]["duplicate"] == "false" and rows[0]["closed_date"] == ""

    items = json.loads(export_file(export, "json").read_text())
    assert [item["sr_number"] for item in items] == [first.public_id, second.public_id]
    assert items[0]["latitude"] == pytest.approx(41.8565) and items[0]["closed_date"] is None

    features = json.loads(export_file(export, "geojson").read_text())["features"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [-87.6617, 41.8565]}
    assert features[1]["properties"]["sr_number"] == second.public_id

    with sqlite3.connect(export_folder(export) / DATASTORE_FILE) as datastore:
        assert datastore.execute("SELECT _id, sr_number FROM rows ORDER BY _id").fetchall() == [
            (1, first.public_id),
            (2, second.public_id),
        ]
    assert export.temporal_start == rows[0]["created_date"]
    assert export.temporal_end == rows[1]["created_date"]


def test_a_new_refresh_swaps_in_a_new_folder_and_removes_older_ones(services):
    file_request(services)
    folders = [dataset_refresh(identifier=REQUESTS).folder for _ in range(4)]
    assert len(set(folders)) == 4
    remaining = sorted(
        path.name for path in export_folder(DatasetExport.objects.get(identifier=REQUESTS)).parent.iterdir()
    )
    # The current one and the one just before it (a reader may have looked it up a moment ago).
    assert remaining == sorted(folders[-2:])


@pytest.mark.parametrize("failing_pass", ["csv", "other-formats"])
def test_a_failed_refresh_leaves_the_previous_export_served(services, monkeypatch, failing_pass):
    file_request(services)
    before = dataset_refresh(identifier=REQUESTS)
    table_rows, table_csv_write = opendata_services.table_rows, opendata_services.table_csv_write

    def broken_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        yield from table_rows(*args, **kwargs)
        raise RuntimeError("database went away")

    def broken_csv(*args, **kwargs):  # type: ignore[no-untyped-def]
        table_csv_write(*args, **kwargs)
        raise RuntimeError("database went away")

    if failing_pass == "csv":
        monkeypatch.setattr(opendata_services, "table_csv_write", broken_csv)
    else:
        monkeypatch.setattr(opendata_services, "table_rows", broken_rows)
    with pytest.raises(RuntimeError):
        dataset_refresh(identifier=REQUESTS)
    after = DatasetExport.objects.get(identifier=REQUESTS)
    assert after.folder == before.folder and after.modified == before.modified
    assert "database went away" in after.last_error
    assert export_file(after, "csv").exists()
    # No half-written folder is left behind.
    assert [path.name for path in export_folder(after).parent.iterdir()] == [before.folder]


def test_downloads_are_streamed_with_etag_and_last_modified(services, client):
    file_request(services)
    export = dataset_refresh(identifier=REQUESTS)
    response = client.get(f"/opendata/{REQUESTS}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("sr_number,sr_type,")
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag == export.files["csv"]["etag"]

    assert client.get(f"/opendata/{REQUESTS}.csv", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get(f"/opendata/{REQUESTS}.csv", headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )

    dataset_refresh(identifier=REQUESTS)
    fresh = client.get(f"/opendata/{REQUESTS}.csv", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert client.get(f"/opendata/{REQUESTS}.geojson")["Content-Type"] == "application/geo+json"


def test_unknown_datasets_and_formats_are_404(services, client):
    assert client.get("/opendata/no-such-dataset.csv").status_code == 404
    assert client.get(f"/opendata/{REQUESTS}.csv").status_code == 404  # not exported yet
    dataset_refresh(identifier="311-services")
    assert client.get("/opendata/311-services.geojson").status_code == 404  # no location, no GeoJSON
    assert client.get("/opendata/311-services.json").status_code == 200


def test_the_catalogue_pages_list_datasets_with_their_dictionary(services, client):
    dataset_refresh(identifier="311-services")
    page = client.get("/opendata/").content.decode()
    assert "311 Services" in page and "Not published yet" in page
    detail = client.get("/opendata/311-services/").content.decode()
    assert "target_hours" in detail and "/opendata/311-services.csv" in detail
    dictionary = client.get("/opendata/311-services/dictionary.json").json()
    assert [field["name"] for field in dictionary["fields"]][:2] == ["service_code", "service_name"]
    assert client.get("/opendata/nothing-here/").status_code == 404


def test_periods_and_what_is_due():
    assert accrual_period("R/P1D") == timedelta(days=1)
    assert accrual_period("R/PT1H") == timedelta(hours=1)
    assert accrual_period("R/P1W") == timedelta(weeks=1)
    with pytest.raises(ValueError):
        accrual_period("R/P1M")  # months are not a fixed length
    for dataset in registry.datasets_registered():
        accrual_period(dataset.accrual_periodicity)  # every registered schedule is one we can keep


def test_a_dataset_is_due_when_its_period_has_passed(services):
    now = timezone.now()
    assert REQUESTS in datasets_due(now=now)  # never exported
    dataset_refresh(identifier=REQUESTS)
    dataset_refresh(identifier="311-services")
    assert REQUESTS not in datasets_due(now=timezone.now())
    assert REQUESTS in datasets_due(now=timezone.now() + timedelta(hours=1, seconds=1))
    assert "311-services" not in datasets_due(now=timezone.now() + timedelta(hours=1, seconds=1))
    assert "311-services" in datasets_due(now=timezone.now() + timedelta(days=1, seconds=1))


def test_the_scheduled_check_refreshes_due_datasets_and_books_the_next(services):
    from django_tasks_db.models import DBTaskResult

    from civicloop.opendata.tasks import refresh_due_datasets

    file_request(services)
    refreshed = refresh_due_datasets.call()
    assert REQUESTS in refreshed and "311-services" in refreshed
    assert DatasetExport.objects.get(identifier=REQUESTS).row_count == 1
    assert DBTaskResult.objects.filter(task_path=refresh_due_datasets.module_path).count() == 1
    assert refresh_due_datasets.call() == []  # nothing due again so soon
