import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.tests.factories import make_announcement, make_topic
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.tests.factories import make_subscriber

pytestmark = pytest.mark.django_db


def login(client, role):
    user = staff_user_ensure(
        username=role, email=f"{role}@example.org", role=role, password="pw-long-enough-1", full_name="T U"
    )
    client.force_login(user)


def sending_announcement(subscribers=3, prefix="r"):
    housing = make_topic()
    for number in range(subscribers):
        make_subscriber(
            email=f"{prefix}{number}@example.org", topics=[housing], language="es" if number % 2 else "en"
        )
    announcement = make_announcement(topics=[housing])
    message, _ = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    return announcement, message


def test_progress_shows_counts_and_a_progress_bar_that_updates_while_sending(client):
    login(client, Role.COMMUNICATIONS)
    announcement, _message = sending_announcement()
    Delivery.objects.filter(pk__in=Delivery.objects.order_by("id").values("pk")[:1]).update(status="sent")

    html = client.get(f"/staff/announcements/{announcement.pk}/delivery/").content.decode()

    assert '<progress id="delivery-progress" max="3" value="1">' in html
    assert "33%" in html
    assert 'data-running="true"' in html and "delivery-progress.js" in html
    assert "Cancel the rest of this send" in html


def test_a_finished_send_stops_updating(client):
    login(client, Role.COMMUNICATIONS)
    announcement, _ = sending_announcement()
    Delivery.objects.update(status="sent")

    html = client.get(f"/staff/announcements/{announcement.pk}/delivery/").content.decode()

    assert "100%" in html and 'data-running="false"' in html
    assert "<strong>Finished</strong>" in html


def test_cancel_button_cancels_what_is_not_sent(client):
    login(client, Role.COMMUNICATIONS)
    announcement, message = sending_announcement()

    response = client.post(f"/staff/announcements/{announcement.pk}/delivery/cancel/")

    assert response.status_code == 302
    assert Message.objects.get(pk=message.pk).status == Message.Status.CANCELLED
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.MODERATOR])
def test_other_roles_may_not_see_or_cancel_sends(client, role):
    login(client, role)
    announcement, _ = sending_announcement()

    assert client.get(f"/staff/announcements/{announcement.pk}/delivery/").status_code == 403
    assert client.post(f"/staff/announcements/{announcement.pk}/delivery/cancel/").status_code == 403
    assert not Delivery.objects.filter(status="cancelled").exists()


def test_progress_page_queries_do_not_grow_with_subscribers(client, django_assert_max_num_queries):
    login(client, Role.COMMUNICATIONS)
    small, _ = sending_announcement(subscribers=2)
    with django_assert_max_num_queries(10) as few:
        client.get(f"/staff/announcements/{small.pk}/delivery/")
    big, _ = sending_announcement(subscribers=40, prefix="big")

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/staff/announcements/{big.pk}/delivery/")
