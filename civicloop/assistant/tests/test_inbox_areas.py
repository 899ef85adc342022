"""The inbox's community-area filter: a conversation's area is that of a 311 request filed from it or linked
to it; the filter is kept in saved views and costs the same queries for a few or many conversations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.assistant.models import Conversation, InboxSavedView, InboxServiceRequest
from civicloop.assistant.services.inbox_requests import inbox_request_link
from civicloop.assistant.tests.test_inbox import carmen, comms  # noqa: F401
from civicloop.assistant.tests.test_inbox_desk import web_conversation
from civicloop.assistant.tests.test_inbox_requests import staff_takes_the_conversation
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.servicerequests.tests.conftest import catalogue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
INBOX = "/staff/inbox/"
BRIDGEPORT = 60  # 35th and Halsted
LOOP = 32


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


def reported_in_bridgeport(catalogue) -> ServiceRequest:  # noqa: F811
    return service_request_create(
        data=RequestInput(
            service_code=catalogue["Pothole in Street Complaint"].code,
            latitude="41.83075",
            longitude="-87.64611",
            attributes={"WHEREIST": ["TRAFFIC"]},
        )
    )


def listed(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_conversation_staff_filed_a_request_from_is_in_that_requests_area(catalogue, comms):  # noqa: F811
    conversation = staff_takes_the_conversation(comms)
    elsewhere = web_conversation(1)
    comms.post(
        f"{INBOX}{conversation.pk}/request/",
        {
            "service": catalogue["Pothole in Street Complaint"].code,
            "attr_WHEREIST": "TRAFFIC",
            "description": "bache",
            "address": "35th and Halsted",
        },
    )
    area = ServiceRequest.objects.get().community_area
    assert area is not None and area.number == BRIDGEPORT

    in_bridgeport = listed(comms.get(INBOX, {"area": BRIDGEPORT}))
    in_the_loop = listed(comms.get(INBOX, {"area": LOOP}))
    anywhere = listed(comms.get(INBOX))

    assert f'href="{INBOX}{conversation.pk}/"' in in_bridgeport
    assert f'href="{INBOX}{elsewhere.pk}/"' not in in_bridgeport
    assert f'href="{INBOX}{conversation.pk}/"' not in in_the_loop
    assert f'href="{INBOX}{elsewhere.pk}/"' in anywhere and 'value="60"' in in_bridgeport


def test_a_conversation_linked_to_a_request_already_reported_is_in_its_area_once(catalogue, comms):  # noqa: F811
    reported = reported_in_bridgeport(catalogue)
    conversation = staff_takes_the_conversation(comms)

    inbox_request_link(conversation_id=conversation.pk, public_id=reported.public_id)
    inbox_request_link(conversation_id=conversation.pk, public_id=reported.public_id)

    assert InboxServiceRequest.objects.filter(conversation=conversation, request=reported).count() == 1
    page = listed(comms.get(INBOX, {"area": BRIDGEPORT}))
    assert page.count(f'href="{INBOX}{conversation.pk}/"') == 1


@pytest.mark.parametrize("value", ["0", "78", "abc", "-3", "99999999999"])
def test_an_area_that_is_not_chicagos_is_ignored(comms, value):  # noqa: F811
    conversation = web_conversation(1)

    assert f'href="{INBOX}{conversation.pk}/"' in listed(comms.get(INBOX, {"area": value}))


def test_a_saved_view_keeps_the_area(comms, carmen):  # noqa: F811
    comms.post(f"{INBOX}views/", {"name": "Bridgeport", "query": f"area={BRIDGEPORT}&status=open"})
    comms.post(f"{INBOX}views/", {"name": "Nowhere", "query": "area=500"})

    kept = dict(InboxSavedView.objects.filter(owner=carmen).values_list("name", "query"))

    assert kept["Bridgeport"] == f"status=open&area={BRIDGEPORT}" and kept["Nowhere"] == ""


def test_the_area_filter_costs_the_same_queries_for_3_or_30_conversations(catalogue, comms):  # noqa: F811
    reported = reported_in_bridgeport(catalogue)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = listed(comms.get(INBOX, {"area": BRIDGEPORT, "status": "open"}))
        assert page.count('type="checkbox" name="conversation"') == shown
        return len(captured.captured_queries)

    for n in range(3):
        InboxServiceRequest.objects.create(
            conversation=web_conversation(n), request=reported, created_at=timezone.now()
        )
    shown = 3
    few = count()
    for n in range(3, 30):
        InboxServiceRequest.objects.create(
            conversation=web_conversation(n), request=reported, created_at=timezone.now()
        )
    shown = 30
    many = count()

    assert few == many
    assert Conversation.objects.count() == 30
