"""311 by text: a problem named in plain words, its questions one at a time, the place, a photo, filed."""

import io
import math

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from PIL import Image

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.tasks import request_photo_attach
from civicloop.assistant.tests.test_inbound_sms import PHONE, reply_of, send_queued_texts, text
from civicloop.delivery.models import Delivery
from civicloop.integrations.tests.fake_twilio import FakeTwilio
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import service_request_status_change
from civicloop.servicerequests.tests.conftest import catalogue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))


def conversation() -> Conversation:
    return Conversation.objects.get(phone=PHONE)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- the happy paths


def test_a_pothole_at_cross_streets_is_filed_after_its_questions_with_the_number(catalogue):  # noqa: F811
    first = reply_of(text("pothole on 35th and Halsted"))
    where = reply_of(text("1"))
    size = reply_of(text("about 12 inches"))
    noticed = reply_of(text("yesterday"))
    filed = reply_of(text("no"))

    request = ServiceRequest.objects.get()
    assert "Where is the pothole?" in first and "1 In a traffic lane" in first
    assert "HALSTED" in first.upper()  # the place was understood from the first text
    assert "wide" in where and "notice" in size
    assert "photo" in noticed.lower()
    assert request.public_id in filed and "STATUS" in filed
    assert request.service == catalogue["Pothole in Street Complaint"]
    assert request.channel == ServiceRequest.Channel.SMS and request.phone == PHONE
    assert request.attribute_values["WHEREIST"] == "TRAFFIC" and request.attribute_values["SIZE"] == 12
    assert "NOTICED" in request.attribute_values
    assert request.community_area is not None and request.community_area.name == "Bridgeport"
    assert request.latitude is not None and request.longitude is not None
    assert metres((request.latitude, request.longitude), (41.83075, -87.64611)) < 150
    assert conversation().step == "" and conversation().context == {}


def test_a_spanish_speaker_files_a_pothole_in_five_exchanges_hears_back_asks_status_and_stops(
    catalogue,  # noqa: F811
):
    replies = [
        reply_of(text("hay un bache enorme en la 35 y Halsted")),
        reply_of(text("1")),
        reply_of(text("omitir")),
        reply_of(text("ayer")),
        reply_of(text("no")),
    ]
    request = ServiceRequest.objects.get()

    assert "bache" in replies[0].lower() and "1 En un carril" in replies[0]
    assert request.public_id in replies[4] and request.language == "es"
    assert "SIZE" not in request.attribute_values  # skipped, optional
    # Staff acknowledge, then complete it: both texts reach the number.
    service_request_status_change(request=request, detailed_status="acknowledged")
    service_request_status_change(request=request, detailed_status="completed", note="Patched.")
    deliveries = Delivery.objects.filter(contact_point__value=PHONE, channel="sms")
    assert deliveries.count() == 2 and {d.language for d in deliveries} == {"es"}
    assert send_queued_texts() == [PHONE, PHONE]

    status = reply_of(text(f"ESTADO {request.public_id}"))
    stopped = reply_of(text("PARAR"))
    service_request_status_change(request=request, detailed_status="in_progress", note="Reopened.")

    assert request.public_id in status and "Complet" in status
    assert stopped and conversation().opted_out_at is not None  # one confirmation
    assert send_queued_texts() == []  # nothing more reaches an opted-out number


def test_rats_in_spanish_ask_each_question_then_the_place_and_take_a_photo_by_mms(
    catalogue,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    with FakeTwilio() as twilio:
        settings.TWILIO_API_BASE = twilio.url
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = twilio.account_sid, twilio.auth_token
        token = twilio.auth_token
        asked = reply_of(text("hay ratas en mi callejón", token=token))
        dog = reply_of(text("1 3", token=token))
        where = reply_of(text("omitir", token=token))
        outside = reply_of(text("1600 Pennsylvania Ave NW Washington DC", token=token))
        photo = reply_of(text("3500 S Halsted St", token=token))
        media_url = twilio.media_add(jpeg(), "image/jpeg")
        with django_capture_on_commit_callbacks(execute=True):
            filed = reply_of(
                text("", token=token, NumMedia="1", MediaUrl0=media_url, MediaContentType0="image/jpeg")
            )
        request = ServiceRequest.objects.get()
        (task,) = DBTaskResult.objects.filter(task_path__endswith="request_photo_attach")
        attached = request_photo_attach.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])

    request.refresh_from_db()
    assert "callej" in asked.lower() and "1 Callej" in asked
    assert "perro" in dog.lower()
    assert "3500 S Halsted" in where or "35th" in where
    assert "Chicago" in outside  # "we could not find that place in Chicago", asked again
    assert "foto" in photo.lower()
    assert request.public_id in filed
    assert request.attribute_values["SEEN"] == ["ALLEY", "GARBAGE"] and "DOG" not in request.attribute_values
    assert attached is True and request.photo and request.photo_thumbnail


def test_report_offers_the_menu_of_problems_and_a_number_picks_one(catalogue):  # noqa: F811
    menu = reply_of(text("REPORT"))
    picked = reply_of(text("5"))

    assert "1 " in menu and "Reply with a number" in menu
    assert conversation().step in {"intake_attribute", "intake_location"}
    assert "Report:" in picked


def test_the_web_assistant_takes_a_report_too_without_a_photo_step(catalogue):  # noqa: F811
    browser = Client()
    for message in ("there's graffiti at 121 N LaSalle St", "1", "2", "skip"):
        browser.post("/assistant/", {"message": message})

    request = ServiceRequest.objects.get()
    assert request.channel == ServiceRequest.Channel.WEB and request.phone == ""
    assert request.attribute_values == {"SURFACE": "BRICK", "OFFENSIVE": "no"}
    assert request.public_id in browser.get("/assistant/").content.decode()


# ------------------------------------------------------------------------------------------ bad input


def test_an_answer_out_of_range_is_asked_again_and_three_misses_give_the_web_form(catalogue):  # noqa: F811
    reply_of(text("pothole at 35th and Halsted"))
    again = reply_of(text("9"))
    reply_of(text("banana"))
    gave_up = reply_of(text("🙂"))

    assert "1 to 4" in again and "Where is the pothole?" in again
    assert "/requests/new/" in gave_up
    assert conversation().step == "" and not ServiceRequest.objects.exists()


def test_menu_abandons_a_report_at_any_step(catalogue):  # noqa: F811
    reply_of(text("graffiti on the wall at 35th and Halsted"))
    menu = reply_of(text("MENU"))

    assert "REPORT" in menu and conversation().step == "" and not ServiceRequest.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_and_no_files_without_one(catalogue):  # noqa: F811
    for message in ("streetlight out at 35th and Halsted", "skip", "3"):
        reply_of(text(message))
    refused = reply_of(
        text("", NumMedia="1", MediaUrl0="https://api.twilio.com/x.vcf", MediaContentType0="text/vcard")
    )
    filed = reply_of(text("no"))

    assert "not a photo" in refused
    assert ServiceRequest.objects.get().public_id in filed
    assert not DBTaskResult.objects.filter(task_path__endswith="request_photo_attach").exists()


def test_a_question_about_a_service_goes_to_the_knowledge_base_not_an_intake(catalogue):  # noqa: F811
    reply_of(text("when is garbage picked up?"))
    reply_of(text("trash pickup day"))
    reply_of(text("how do I report a pothole?"))

    assert not conversation().step.startswith("intake")
    handled = list(AssistantMessage.objects.filter(direction="in").values_list("handled_as", flat=True))
    assert all(not kind.startswith("intake") for kind in handled)


def test_a_date_in_the_future_or_a_bare_number_is_not_a_day(catalogue):  # noqa: F811
    for message in ("pothole at 35th and Halsted", "2", "skip"):
        reply_of(text(message))
    future = reply_of(text("next year"))
    bare = reply_of(text("7"))
    ok = reply_of(text("last monday"))

    assert "yesterday" in future and "yesterday" in bare
    assert "photo" in ok.lower()


def test_a_photo_from_another_host_is_never_fetched(catalogue, settings):  # noqa: F811
    from civicloop.assistant.services.photos import request_photo_from_mms

    for message in ("pothole at 35th and Halsted", "1", "skip", "skip"):
        reply_of(text(message))
    reply_of(text("no"))
    request = ServiceRequest.objects.get()

    assert request_photo_from_mms(request_id=request.pk, media_url="http://169.254.169.254/latest/") is False
    request.refresh_from_db()
    assert not request.photo
