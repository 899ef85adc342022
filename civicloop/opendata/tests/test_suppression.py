"""k-anonymity: a count of fewer than OPENDATA_MIN_CELL people is published empty."""

import csv
import io

import pytest

from civicloop.announcements.tests.factories import make_announcement
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.opendata.datasets import suppressed
from civicloop.opendata.selectors import export_file
from civicloop.opendata.services import dataset_refresh

pytestmark = pytest.mark.django_db


def send_to(message: Message, count: int, *, channel: str, language: str, status: str) -> None:
    for number in range(count):
        subscriber = make_subscriber(
            email=f"r{channel}{language}{status}{number}@example.org", language=language
        )
        contact = subscriber.contact_points.get()
        Delivery.objects.create(
            message=message, contact_point=contact, channel=channel, language=language, status=status
        )


def reach_rows() -> list[dict[str, str]]:
    export = dataset_refresh(identifier="delivery-reach")
    return list(csv.DictReader(io.StringIO(export_file(export, "csv").read_text())))


def test_cells_under_k_are_empty_and_the_rest_are_counted(settings):
    settings.OPENDATA_MIN_CELL = 10
    announcement = make_announcement()
    message = Message.objects.create(kind=Message.Kind.ANNOUNCEMENT, announcement=announcement)
    send_to(message, 12, channel="email", language="en", status=Delivery.Status.DELIVERED)
    send_to(message, 9, channel="email", language="es", status=Delivery.Status.DELIVERED)
    rows = {row["language"]: row for row in reach_rows()}
    assert rows["en"]["recipients"] == "12" and rows["en"]["delivered"] == "12"
    assert rows["en"]["failed"] == ""  # 0 people: under k too
    assert rows["es"]["recipients"] == "" and rows["es"]["delivered"] == ""
    assert "@" not in export_file(dataset_refresh(identifier="delivery-reach"), "json").read_text()


def test_k_is_a_setting(settings):
    settings.OPENDATA_MIN_CELL = 5
    assert suppressed(4) is None and suppressed(5) == 5
    settings.OPENDATA_MIN_CELL = 10
    assert suppressed(9) is None and suppressed(10) == 10 and suppressed(None) is None


def test_unpublished_announcements_have_no_reach_row(settings):
    draft = make_announcement(publish=False)
    message = Message.objects.create(kind=Message.Kind.ANNOUNCEMENT, announcement=draft)
    send_to(message, 11, channel="email", language="en", status=Delivery.Status.SENT)
    assert reach_rows() == []
