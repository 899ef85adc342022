"""From conversation to action: staff file a 311 request from a resident's WhatsApp message, and the resident
hears of its status on WhatsApp."""

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.assistant.models import Conversation
from civicloop.assistant.tests.test_inbound_sms import PHONE
from civicloop.assistant.tests.test_inbox import carmen, comms, make_staff, signed_in  # noqa: F401
from civicloop.assistant.tests.test_whatsapp import CITY_WHATSAPP, WHATSAPP, twilio, whatsapp  # noqa: F401
from civicloop.delivery.models import Delivery
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import service_request_status_change
from civicloop.servicerequests.tests.conftest import catalogue  # noqa: F401 (a fixture)
from civicloop.subscriptions.models import ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


def staff_takes_the_conversation(comms) -> Conversation:  # noqa: F811
    whatsapp("HELP")  # the resident's first message, then one staff handle
    conversation = Conversation.objects.get(channel="whatsapp")
    comms.post(f"/staff/inbox/{conversation.pk}/take-over/")
    whatsapp("Hay un bache muy grande en la 35 y Halsted, casi me caigo")
    return conversation


def test_staff_file_a_pothole_from_a_whatsapp_message_and_the_resident_hears_on_whatsapp(
    catalogue,  # noqa: F811
    comms,  # noqa: F811
    twilio,  # noqa: F811
):
    conversation = staff_takes_the_conversation(comms)
    page = f"/staff/inbox/{conversation.pk}/request/"
    code = catalogue["Pothole in Street Complaint"].code

    choose = comms.get(page)
    form = comms.get(page, {"service": code})

    assert choose.status_code == 200 and f'value="{code}"' in choose.content.decode()
    text = form.content.decode()
    assert "Hay un bache muy grande" in text  # the resident's words, prefilled
    assert "HALSTED ST &amp; W 35TH ST" in text  # the place they named, found on the map
    assert "WhatsApp" in text  # they will hear of it where they wrote from

    filed = comms.post(
        page,
        {
            "service": code,
            "attr_WHEREIST": "TRAFFIC",
            "description": "Hay un bache muy grande en la 35 y Halsted",
            "address": "35th and Halsted",
        },
    )

    assert filed.status_code == 302
    request = ServiceRequest.objects.get()
    assert request.channel == ServiceRequest.Channel.WHATSAPP and request.phone == PHONE
    conversation.refresh_from_db()
    assert request.language == (conversation.language or "en")
    assert request.community_area is not None and request.community_area.name == "Bridgeport"
    assert ContactPoint.objects.get(value=PHONE).kind == "whatsapp"

    service_request_status_change(request=request, detailed_status="acknowledged")
    deliveries_send_pending(channel="whatsapp", time_budget=5)

    [sent] = twilio.messages
    assert sent["to"] == WHATSAPP and sent["from"] == CITY_WHATSAPP and request.public_id in sent["body"]
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_place_not_in_chicago_is_a_form_error_and_nothing_is_filed(catalogue, comms):  # noqa: F811
    conversation = staff_takes_the_conversation(comms)
    code = catalogue["Pothole in Street Complaint"].code

    refused = comms.post(
        f"/staff/inbox/{conversation.pk}/request/",
        {"service": code, "attr_WHEREIST": "TRAFFIC", "description": "bache", "address": "Narnia"},
    )

    assert refused.status_code == 400 and "could not place that in Chicago" in refused.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_missing_required_answer_is_a_form_error(catalogue, comms):  # noqa: F811
    conversation = staff_takes_the_conversation(comms)
    code = catalogue["Pothole in Street Complaint"].code

    refused = comms.post(
        f"/staff/inbox/{conversation.pk}/request/",
        {"service": code, "description": "bache", "address": "35th and Halsted"},
    )

    assert refused.status_code == 400 and not ServiceRequest.objects.exists()


def test_staff_who_do_not_answer_residents_cannot_file_from_the_inbox(catalogue):  # noqa: F811
    whatsapp("Hay un bache en la 35 y Halsted")
    conversation = Conversation.objects.get(channel="whatsapp")
    moderator = signed_in(make_staff("mona", Role.MODERATOR))

    response = moderator.get(f"/staff/inbox/{conversation.pk}/request/")

    assert response.status_code in (302, 403)


def test_staff_link_a_whatsapp_resident_to_a_request_already_reported_and_they_hear_there(
    catalogue,  # noqa: F811
    comms,  # noqa: F811
    twilio,  # noqa: F811
):
    from civicloop.servicerequests.services import RequestInput, service_request_create

    reported = service_request_create(
        data=RequestInput(
            service_code=catalogue["Pothole in Street Complaint"].code,
            latitude="41.83075",
            longitude="-87.64611",
            attributes={"WHEREIST": ["TRAFFIC"]},
        )
    )
    conversation = staff_takes_the_conversation(comms)
    link = f"/staff/inbox/{conversation.pk}/request/link/"

    unknown = comms.post(link, {"number": "26-99999999"})
    linked = comms.post(link, {"number": reported.public_id})
    comms.post(link, {"number": reported.public_id})  # twice: still one follower

    assert unknown.status_code == 302 and linked.status_code == 302
    assert reported.followers.filter(contact_point__kind="whatsapp", contact_point__value=PHONE).count() == 1
    service_request_status_change(request=reported, detailed_status="acknowledged")
    deliveries_send_pending(channel="whatsapp", time_budget=5)
    [sent] = twilio.messages
    assert sent["to"] == WHATSAPP and reported.public_id in sent["body"]


def test_a_conversation_without_a_number_cannot_follow_a_request(catalogue, comms, settings):  # noqa: F811
    settings.META_APP_SECRET, settings.FACEBOOK_PAGE_ID = "s", "1"
    conversation = Conversation.objects.create(
        channel="facebook",
        remote_account_id="42",
        remote_thread_id="dm:42",
        created_at=timezone.now(),
        last_message_at=timezone.now(),
    )

    response = comms.post(
        f"/staff/inbox/{conversation.pk}/request/link/", {"number": "26-00000001"}, follow=True
    )

    assert "no number here to follow a request by" in response.content.decode()


def test_filing_days_after_the_message_does_not_open_whatsapps_window(catalogue, comms, twilio):  # noqa: F811
    from datetime import timedelta

    from civicloop.assistant.models import AssistantMessage

    conversation = staff_takes_the_conversation(comms)
    AssistantMessage.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    code = catalogue["Pothole in Street Complaint"].code
    comms.post(
        f"/staff/inbox/{conversation.pk}/request/",
        {"service": code, "attr_WHEREIST": "TRAFFIC", "description": "bache", "address": "35th and Halsted"},
    )
    request = ServiceRequest.objects.get()

    service_request_status_change(request=request, detailed_status="acknowledged")
    deliveries_send_pending(channel="whatsapp", time_budget=5)

    assert twilio.messages == []  # outside the window: only an approved template may go, and there is none
    assert "template" in Delivery.objects.get().error
