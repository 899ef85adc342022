"""Close the loop: requesters and followers hear about every change, in their language; "not fixed?" reopens."""

import re

import pytest
from django.core.management import call_command

from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.delivery.tests.smtp_sink import smtp_sink
from civicloop.integrations.tests.fake_twilio import FakeTwilio
from civicloop.servicerequests.models import Follower, ServiceRequest, StatusChange
from civicloop.servicerequests.services import (
    RequestInput,
    ServiceRequestInvalid,
    follower_confirm,
    service_request_assign,
    service_request_create,
    service_request_follow,
    service_request_reopen,
    service_request_status_change,
    service_requests_close,
)
from civicloop.servicerequests.tokens import RequestLinkInvalid, reopen_token, stop_token
from civicloop.subscriptions.models import ContactPoint, Subscriber

pytestmark = pytest.mark.django_db(transaction=True)
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}
LINK = re.compile(r"https://city\.example\.org/\S+")


@pytest.fixture
def providers(settings):
    with smtp_sink() as (sink, port), FakeTwilio() as twilio:
        settings.SITE_URL = "https://city.example.org"
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.SMS_BACKEND = "twilio"
        settings.SMS_QUIET_HOURS = (
            ""  # these updates are not urgent: quiet hours would hold them till morning
        )
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = twilio.account_sid, twilio.auth_token
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_BASE = "+13125550100", twilio.url
        yield sink, twilio


@pytest.fixture
def pothole_service(catalogue):
    return catalogue["Pothole in Street Complaint"]


def file_pothole(service, **contact):
    data = RequestInput(
        service_code=service.code, attributes={"WHEREIST": ["TRAFFIC"]}, description="Deep hole", **PILSEN
    )
    for name, value in contact.items():
        setattr(data, name, value)
    return service_request_create(data=data)


def send_everything():
    call_command("worker", batch=True)


def body(email):
    return email.get_body(("plain",)).get_content()


def test_the_requester_hears_of_each_change_by_email_and_text_in_their_language(providers, pothole_service):
    sink, twilio = providers
    request = file_pothole(pothole_service, email="Ana@Example.org", phone="312-555-0111", language="es")

    service_request_status_change(request=request, detailed_status="acknowledged", note="Crew scheduled")
    send_everything()

    (email,) = sink.to("ana@example.org")
    assert email["Subject"] == f"Solicitud 311 {request.public_id}: Confirmada"
    assert "Crew scheduled" in body(email)
    assert f"https://city.example.org/requests/{request.public_id}/" in body(email)
    (text,) = twilio.messages
    assert text["to"] == "+13125550111" and text["body"].startswith(f"Solicitud 311 {request.public_id}")
    # The one-click stop link is this follower's own, and points at this request, not a newsletter.
    assert "/requests/stop/" in email["List-Unsubscribe"]
    # Filing a request subscribes nobody to announcements.
    assert not Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).exists()


def test_a_completed_message_carries_a_not_fixed_link_that_reopens_with_the_residents_note(
    client, providers, pothole_service
):
    sink, _twilio = providers
    request = file_pothole(pothole_service, email="ana@example.org")
    service_request_status_change(request=request, detailed_status="completed", note="Patched")
    send_everything()
    (email,) = sink.to("ana@example.org")
    reopen = next(link for link in LINK.findall(body(email)) if "/reopen/" in link)
    path = reopen.removeprefix("https://city.example.org")

    assert client.get(path).status_code == 200
    assert ServiceRequest.objects.get(pk=request.pk).status == "closed"  # opening the link changes nothing
    assert client.post(path, {"note": ""}).status_code == 400  # a note is required
    response = client.post(path, {"note": "Still a hole by the curb"})

    assert response.status_code == 302 and response["Location"] == f"/requests/{request.public_id}/"
    request.refresh_from_db()
    assert (request.status, request.detailed_status, request.closed_at) == ("open", "submitted", None)
    assert request.changes.last().note == "Reopened by the resident: Still a hole by the curb"
    # The link is spent: the request changed since that message.
    assert client.post(path, {"note": "again"}).status_code == 400
    send_everything()
    assert len(sink.to("ana@example.org")) == 2  # and the reopening is told too


def test_a_reopen_link_is_refused_when_forged_or_for_another_request(pothole_service):
    first = file_pothole(pothole_service)
    second = file_pothole(pothole_service)
    change = service_request_status_change(request=first, detailed_status="completed")
    token = reopen_token(request_id=first.pk, change_id=change.pk)

    with pytest.raises(RequestLinkInvalid):
        service_request_reopen(public_id=second.public_id, token=token, note="x")
    with pytest.raises(RequestLinkInvalid):
        service_request_reopen(public_id=first.public_id, token=token + "x", note="x")
    with pytest.raises(ServiceRequestInvalid):
        service_request_reopen(public_id=first.public_id, token=token, note="   ")
    assert ServiceRequest.objects.get(pk=first.pk).status == "closed"


def test_anyone_can_follow_a_public_request_after_confirming_by_link(client, providers, pothole_service):
    sink, _twilio = providers
    request = file_pothole(pothole_service)

    response = client.post(f"/requests/{request.public_id}/follow/", {"email": "neighbour@example.org"})
    assert response.status_code == 302
    send_everything()
    (confirmation,) = sink.to("neighbour@example.org")
    confirm = next(link for link in LINK.findall(body(confirmation)) if "/requests/follow/" in link)
    path = confirm.removeprefix("https://city.example.org")

    # Before confirming, a change reaches nobody; a mail scanner's GET confirms nothing.
    service_request_status_change(request=request, detailed_status="acknowledged")
    assert client.get(path).status_code == 200
    assert not Follower.objects.filter(confirmed_at__isnull=False).exists()
    assert client.post(path).status_code == 200
    service_request_status_change(request=request, detailed_status="in_progress", note="Crew on site")
    send_everything()

    updates = sink.to("neighbour@example.org")[1:]
    assert len(updates) == 1 and "Crew on site" in body(updates[0])


def test_following_needs_a_valid_email_or_phone_and_shows_the_error_on_the_page(client, pothole_service):
    request = file_pothole(pothole_service)

    response = client.post(f"/requests/{request.public_id}/follow/", {"email": "not-an-email", "phone": ""})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Follower.objects.exists() and not ContactPoint.objects.exists()
    assert client.post("/requests/26-99999999/follow/", {"email": "a@example.org"}).status_code == 404


def test_stop_link_ends_one_persons_updates_by_one_click_post(client, providers, pothole_service):
    sink, _twilio = providers
    request = file_pothole(pothole_service, email="ana@example.org")
    point = ContactPoint.objects.get(value="ana@example.org")
    path = f"/requests/stop/{stop_token(request_id=request.pk, contact_point_id=point.pk)}/"

    assert client.get(path).status_code == 200 and Follower.objects.count() == 1
    csrf_client = client.__class__(enforce_csrf_checks=True)
    assert csrf_client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    service_request_status_change(request=request, detailed_status="acknowledged")
    send_everything()

    assert not Follower.objects.exists() and sink.to("ana@example.org") == []


def test_a_duplicates_followers_follow_the_original_and_hear_when_it_is_done(providers, pothole_service):
    sink, _twilio = providers
    original = file_pothole(pothole_service, email="first@example.org")
    duplicate = file_pothole(pothole_service, email="second@example.org")

    service_request_status_change(request=duplicate, detailed_status="duplicate", parent=original)
    service_request_status_change(request=original, detailed_status="completed", note="Filled")
    send_everything()

    assert set(Follower.objects.filter(request=original).values_list("contact_point__value", flat=True)) == {
        "first@example.org",
        "second@example.org",
    }
    subjects = [message["Subject"] for message in sink.to("second@example.org")]
    assert subjects == [
        f"311 request {duplicate.public_id}: Duplicate",
        f"311 request {original.public_id}: Completed",
    ]


def test_bulk_close_tells_each_requesters_and_skips_closed_ones(providers, pothole_service):
    sink, _twilio = providers
    requests = [file_pothole(pothole_service, email=f"r{n}@example.org") for n in range(3)]
    service_request_status_change(request=requests[2], detailed_status="cannot_complete")

    closed = service_requests_close(request_ids=[r.pk for r in requests], note="Resurfaced the block")
    send_everything()

    assert closed == 2
    assert [r.detailed_status for r in ServiceRequest.objects.order_by("pk")] == [
        "completed",
        "completed",
        "cannot_complete",
    ]
    assert "Resurfaced the block" in body(sink.to("r0@example.org")[0])
    assert len(sink.to("r2@example.org")) == 1  # only its own earlier change
    with pytest.raises(ServiceRequestInvalid):
        service_requests_close(request_ids=[requests[0].pk], detailed_status="duplicate")


def test_an_assignment_is_kept_for_staff_but_never_shown_or_sent(
    client, django_user_model, providers, pothole_service
):
    sink, _twilio = providers
    request = file_pothole(pothole_service, email="ana@example.org")
    crew = django_user_model.objects.create_user(username="crew-lead", password="x-long-password-1")

    service_request_assign(request=request, assignee=crew)
    send_everything()

    assert StatusChange.objects.filter(request=request, public=False, note="Assigned to crew-lead").exists()
    assert "crew-lead" not in client.get(f"/requests/{request.public_id}/").content.decode()
    assert sink.to("ana@example.org") == []


def test_a_stopped_address_gets_no_update_and_a_notification_needs_no_newsletter_subscription(
    providers, pothole_service
):
    sink, twilio = providers
    request = file_pothole(pothole_service, email="ana@example.org", phone="312-555-0111")
    Suppression.objects.create(channel="sms", value="+13125550111", reason="stop")

    service_request_status_change(request=request, detailed_status="acknowledged")
    send_everything()

    assert len(sink.to("ana@example.org")) == 1 and twilio.messages == []
    assert set(Delivery.objects.values_list("channel", "status")) == {
        ("email", "sent"),
        ("sms", "suppressed"),
    }
    assert Message.objects.get().context.keys().isdisjoint({"email", "phone"})


def test_following_twice_does_not_double_up_and_confirming_twice_is_harmless(pothole_service):
    request = file_pothole(pothole_service)
    (first,) = service_request_follow(request=request, email="n@example.org")
    (again,) = service_request_follow(request=request, email="N@example.org")

    assert first.follower.pk == again.follower.pk and Follower.objects.count() == 1
    from civicloop.servicerequests.tokens import follow_confirm_token

    token = follow_confirm_token(first.follower.pk)
    confirmed_at = follower_confirm(token=token).confirmed_at
    assert confirmed_at is not None and follower_confirm(token=token).confirmed_at == confirmed_at
    (third,) = service_request_follow(request=request, email="n@example.org")
    assert third.confirmation_sent is False
