"""Hostile input (issue 15, item 7): the shared corpus through public pages, APIs, forms, webhooks, uploads.

Nothing executes (no payload echoed unescaped into HTML, no header split), no 500, nothing stored half
(a refused write leaves the row counts as they were), no open redirect through ``next``, ``nosniff`` on
every answer and CSRF on every public form. CI runs a representative sample (one payload of each kind)
through every check; ``HOSTILE_FULL=1`` runs the whole corpus everywhere.
"""

import os
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from twilio.request_validator import RequestValidator

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.core.hostile import HOSTILE, HOSTILE_BYTES, HOSTILE_NEXT, HOSTILE_SAMPLE, Payload, payload_ids
from civicloop.core.images import IMAGE_BYTES_MAX
from civicloop.engage.models import Comment, Idea, Question
from civicloop.engage.selectors import Viewer
from civicloop.engage.services import idea_create, idea_embeddings_fill
from civicloop.engage.tests.conftest import client_for, make_question, make_resident, make_space
from civicloop.engage.tokens import sign_in_token
from civicloop.opendata.tests.test_ckan import IDENTIFIER, publish_requests
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_index_clear
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import api_client_issue
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.topics.models import Topic

pytestmark = pytest.mark.django_db

FULL = os.environ.get("HOSTILE_FULL") == "1"
WRITES: tuple[Payload, ...] = HOSTILE if FULL else HOSTILE_SAMPLE
# Every page and API parameter gets the sample in CI (one payload of each kind), the corpus with FULL.
READS: tuple[Payload, ...] = HOSTILE if FULL else HOSTILE_SAMPLE
# Posting an idea embeds the draft to suggest similar ones: seconds for 10,000 characters, so CI skips it.
IDEA_WRITES: tuple[Payload, ...] = (
    HOSTILE if FULL else tuple(p for p in HOSTILE_SAMPLE if p.name != "long-10k")
)

# The charts and the similar-ideas embedder cost seconds a request: four payloads in CI.
COMPUTE: tuple[Payload, ...] = (
    HOSTILE
    if FULL
    else tuple(
        p for p in HOSTILE_SAMPLE if p.name in ("xss-script", "xss-img-onerror", "long-10k", "combining-pile")
    )
)


def fields(every: list[str], ci: list[str]) -> list[str]:
    """Which fields a write test fills with the payload: all with HOSTILE_FULL=1, a few in CI."""
    return every if FULL else ci


POTHOLE = "Pothole in Street Complaint"
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}
SITE = "https://city.example.org"
TWILIO_TOKEN = "twilio-auth-token-for-hostile-tests"
SMS_PATH = "/sms/twilio/inbound"
PASSWORD = "a-long-test-password-1"
CIVILITY_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
JAVASCRIPT_HREF = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


@pytest.fixture(autouse=True)
def _hostile_settings(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.SMS_QUIET_HOURS = ""
    settings.MODERATION_CHECK = CIVILITY_CHECK
    cache.clear()  # rate limits live in the cache
    community_area_index_clear()
    yield
    cache.clear()
    community_area_index_clear()


@pytest.fixture(scope="module")
def _world_rows(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[dict[str, Any]]:
    """Built once for the module (its tests are many and read only): Chicago's services and areas, a
    few requests with their open-data export, an open question with one idea. Flushed at the end."""
    opendata_root = tmp_path_factory.mktemp("hostile-opendata")
    with (
        django_db_blocker.unblock(),
        override_settings(OPENDATA_ROOT=opendata_root, MODERATION_CHECK=CIVILITY_CHECK, SITE_URL=SITE),
    ):
        publish_requests(potholes=2, rats=1)
        question = make_question(make_space())
        author = make_resident("author@example.org", name="Author")
        idea = idea_create(
            question=question, viewer=Viewer(participant=author), title="Benches", body="By the lake."
        )
        idea_embeddings_fill(question=question)  # once, not in every test's rolled-back transaction
        cache.clear()
        yield {
            "opendata_root": opendata_root,
            "pothole": Service.objects.get(name=POTHOLE),
            "request": ServiceRequest.objects.order_by("pk").first(),
            "question": question,
            "idea": idea,
        }
        call_command("flush", interactive=False, verbosity=0)
        cache.clear()
        community_area_index_clear()


@pytest.fixture
def world(_world_rows: dict[str, Any], db: Any, settings: Any) -> dict[str, Any]:
    settings.OPENDATA_ROOT = _world_rows["opendata_root"]
    return _world_rows


# ------------------------------------------------------------------------------------------ checks


def body_of(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[union-attr, arg-type]
    return response.content


def offsite(location: str) -> bool:
    """True when a redirect leaves the site (or runs script): any scheme or host, or a browser's //."""
    normalized = location.strip().replace("\\", "/")
    parts = urlsplit(normalized)
    if parts.scheme or parts.netloc:
        return parts.netloc != "testserver" or parts.scheme not in ("http", "https")
    return normalized.startswith("//")


def assert_safe(response: Any, payload: Payload | None, where: str) -> bytes:
    """No 500, nosniff, no split header, no off-site redirect, and nothing runnable echoed into HTML."""
    body = body_of(response)
    assert response.status_code < 500, f"{where}: {response.status_code}\n{body[:2000]!r}"
    assert response.get("X-Content-Type-Options") == "nosniff", where
    for header, value in response.items():
        assert "\r" not in value and "\n" not in value, f"{where}: header {header} split: {value!r}"
    assert "a" not in response.cookies, f"{where}: a cookie was injected"
    if response.status_code in (301, 302, 303, 307, 308):
        assert not offsite(response["Location"]), f"{where}: redirected to {response['Location']!r}"
    if response.get("Content-Type", "").startswith("text/html"):
        html = body.decode("utf-8", "replace")
        if payload is not None and payload.executable:
            assert payload.value not in html, f"{where}: {payload.name} echoed unescaped"
        assert not JAVASCRIPT_HREF.search(html), f"{where}: a javascript: link"
    return body


# --------------------------------------------------------------------------- every public GET parameter

# (path, parameter names): each parameter gets the payload alone, the others left out.
QUERY_TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/", ("lang",)),
    ("/announcements/", ("q", "topic", "area", "kind", "lang", "page")),
    ("/requests/new/", ("q",)),
    ("/requests/", ("service", "status", "area", "page")),
    ("/requests/{request}/", ("follow",)),
    ("/ideas/", ("page",)),
    ("/ideas/{space}/{question}/", ("sort", "page")),
    ("/ideas/{idea}/", ("reply_to", "page")),
    ("/ideas/sign-in/", ("next",)),
    ("/areas/", ("page",)),
    ("/opendata/", ("q", "theme")),
    ("/subscribe/", ("topic", "area")),
    ("/subscribe/sent/", ("sms", "email")),
    ("/assistant/", ("q",)),
    ("/data.json", ("q",)),
    ("/open311/discovery.json", ("jurisdiction_id",)),
    ("/open311/v2/services.json", ("jurisdiction_id", "lang", "lat", "long")),
    ("/open311/v2/services.xml", ("jurisdiction_id",)),
    ("/open311/v2/services/{code}.json", ("jurisdiction_id",)),
    (
        "/open311/v2/requests.json",
        (
            "service_request_id",
            "service_code",
            "status",
            "start_date",
            "end_date",
            "updated_after",
            "updated_before",
            "lat",
            "long",
            "radius",
            "page",
            "page_size",
            "q",
            "jurisdiction_id",
            "extensions",
        ),
    ),
    ("/open311/v2/requests.xml", ("service_code", "status", "start_date", "lat")),
    ("/open311/v2/requests/{request}.json", ("jurisdiction_id", "extensions")),
    ("/api/3/action/package_list", ("limit", "offset")),
    ("/api/3/action/package_show", ("id",)),
    ("/api/3/action/package_search", ("q", "fq", "sort", "rows", "start")),
    ("/api/3/action/help_show", ("name",)),
    ("/api/3/action/resource_show", ("id",)),
    ("/api/3/action/datastore_search", ("resource_id",)),
    (
        "/api/3/action/datastore_search?resource_id=" + IDENTIFIER,
        ("filters", "q", "sort", "limit", "offset", "fields"),
    ),
    (
        "/resource/" + IDENTIFIER + ".json",
        ("$where", "$order", "$select", "$q", "$limit", "$offset", "sr_type"),
    ),
    ("/resource/" + IDENTIFIER + ".csv", ("$where", "$order")),
    ("/api/v1/announcements", ("topic", "area", "kind", "lang", "q", "limit", "offset")),
    ("/api/v1/ideas", ("question", "status", "sort", "limit", "offset")),
    ("/api/v1/questions", ("limit", "offset")),
    ("/api/v1/conversations", ("limit",)),
    ("/api/v1/areas", ("limit",)),
    ("/api/v1/topics", ("limit",)),
)

# Pages that compute (charts, similar ideas by embedding): the sample only in CI.
SLOW_QUERY_TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/ideas/{space}/{question}/similar/", ("text",)),
    ("/insights/", ("area", "period", "topic")),
)

# Payloads in a path segment (percent-encoded, as a browser sends them).
PATH_TARGETS: tuple[str, ...] = (
    "/announcements/{p}/",
    "/requests/{p}/",
    "/requests/new/{p}/",
    "/requests/follow/{p}/",
    "/requests/stop/{p}/",
    "/subscribe/confirm/{p}/",
    "/preferences/{p}/",
    "/unsubscribe/{p}/",
    "/ideas/sign-in/{p}/",
    "/ideas/stop/{p}/",
    "/assistant/faq/{p}/",
    "/opendata/{p}/",
    "/open311/v2/requests/{p}.json",
    "/open311/v2/services/{p}.xml",
    "/open311/v2/tokens/{p}.json",
    "/api/3/action/{p}",
    "/api/v1/announcements/{p}",
    "/api/v1/areas/{p}",
    "/resource/{p}.json",
)


def _fill(path: str, world: dict[str, Any]) -> str:
    question: Question = world["question"]
    return path.format(
        request=world["request"].public_id,
        code=world["pothole"].code,
        space=question.space.slug,
        question=question.slug,
        idea=world["idea"].pk,
    )


def _is_api(path: str) -> bool:
    return path.startswith(("/open311/", "/api/", "/resource/", "/data.json"))


def _get(client: Client, path: str, params: dict[str, str]) -> Any:
    joiner = "&" if "?" in path else "?"
    return client.get(f"{path}{joiner}{urlencode(params)}")  # type: ignore[return-value]


@pytest.mark.parametrize("payload", READS, ids=payload_ids(READS))
def test_every_public_query_parameter_survives_the_payload(
    client: Client, world: Any, payload: Payload
) -> None:
    for template, names in QUERY_TARGETS:
        path = _fill(template, world)
        if _is_api(path):  # one at a time: the first bad parameter must not hide the next
            for name in names:
                assert_safe(_get(client, path, {name: payload.value}), payload, f"GET {path} {name}=")
        else:  # a page: every parameter at once
            assert_safe(_get(client, path, dict.fromkeys(names, payload.value)), payload, f"GET {path}")


@pytest.mark.parametrize("payload", COMPUTE, ids=payload_ids(COMPUTE))
def test_pages_that_compute_survive_the_payload(client: Client, world: Any, payload: Payload) -> None:
    for template, names in SLOW_QUERY_TARGETS:
        path = _fill(template, world)
        assert_safe(_get(client, path, dict.fromkeys(names, payload.value)), payload, f"GET {path}")


@pytest.mark.parametrize("payload", READS, ids=payload_ids(READS))
def test_every_public_path_segment_survives_the_payload(client: Client, world: Any, payload: Payload) -> None:
    segment = quote(payload.value, safe="") or "%20"
    for template in PATH_TARGETS:
        path = template.format(p=segment)
        response = client.get(path)
        assert_safe(response, payload, f"GET {path[:120]}")
        assert response.status_code in (200, 301, 302, 400, 403, 404, 410), (path[:120], response.status_code)


@pytest.mark.parametrize(("name", "raw"), HOSTILE_BYTES, ids=[name for name, _ in HOSTILE_BYTES])
def test_query_strings_that_are_not_utf8_are_no_server_error(
    client: Client, world: Any, name: str, raw: bytes
) -> None:
    encoded = quote(raw, safe="")
    for template, names in QUERY_TARGETS:
        path = _fill(template, world)
        joiner = "&" if "?" in path else "?"
        for parameter in names:
            assert_safe(
                client.get(f"{path}{joiner}{quote(parameter)}={encoded}"), None, f"GET {path} {parameter}"
            )


# ------------------------------------------------------------------------------------------ write forms


def _subscriber_rows() -> tuple[int, int, int]:
    return Subscriber.objects.count(), ContactPoint.objects.count(), ConsentRecord.objects.count()


@pytest.mark.parametrize("field", fields(["email", "phone"], ["phone"]))
@pytest.mark.parametrize("payload", WRITES, ids=payload_ids(WRITES))
def test_subscribe_refuses_or_stores_exactly(
    client: Client, world: Any, payload: Payload, field: str
) -> None:
    before = _subscriber_rows()
    form = {
        "email": "resident@example.org" if field == "phone" else "",
        "phone": "",
        "topics": [str(Topic.objects.order_by("pk").first().pk)],  # type: ignore[union-attr]
        "areas": [str(CommunityArea.objects.order_by("pk").first().pk)],  # type: ignore[union-attr]
        "language": "en",
        "frequency": "immediately",
        field: payload.value,
    }

    response = client.post("/subscribe/", form)

    assert_safe(response, payload, f"POST /subscribe/ {field}=")
    if response.status_code == 302:
        assert ContactPoint.objects.filter(value=payload.value.strip()).exists() or field == "email"
    else:
        assert response.status_code in (200, 400, 429)
        assert _subscriber_rows() == before, "a refused subscription stored rows"


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    "field",
    fields(["description", "attr_WHEREIST", "latitude", "email", "first_name"], ["description", "latitude"]),
)
@pytest.mark.parametrize("payload", WRITES, ids=payload_ids(WRITES))
def test_the_311_web_form_refuses_or_stores_exactly(
    client: Client, world: Any, settings: Any, payload: Payload, field: str
) -> None:
    before = ServiceRequest.objects.count()
    form = {"attr_WHEREIST": "TRAFFIC", **PILSEN, "description": "Deep hole", field: payload.value}

    response = client.post(f"/requests/new/{world['pothole'].code}/", form)

    assert_safe(response, payload, f"POST 311 {field}=")
    if response.status_code == 302:
        created = ServiceRequest.objects.latest("pk")
        assert ServiceRequest.objects.count() == before + 1
        if field == "description":
            assert created.description == payload.value.strip()
        page = client.get(response["Location"])
        assert_safe(page, payload, "311 request page")
    else:
        assert response.status_code in (200, 400, 429)
        assert ServiceRequest.objects.count() == before, "a refused request stored a row"
        assert _files_under(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.parametrize("field", fields(["title", "body"], ["title"]))
@pytest.mark.parametrize("payload", IDEA_WRITES, ids=payload_ids(IDEA_WRITES))
def test_an_idea_is_refused_or_stored_exactly_and_shown_escaped(
    world: Any, payload: Payload, field: str
) -> None:
    question: Question = world["question"]
    resident = client_for(make_resident("poster@example.org", name="Poster"))
    before = Idea.objects.count()
    form = {"title": "Shade trees", "body": "Along the boulevard.", field: payload.value}

    response = resident.post(f"/ideas/{question.space.slug}/{question.slug}/new/", form)

    assert_safe(response, payload, f"POST idea {field}=")
    if response.status_code == 302:
        idea = Idea.objects.latest("pk")
        assert getattr(idea, field) == payload.value.strip()
        assert_safe(Client().get(idea.get_absolute_url()), payload, "idea page")
        assert_safe(resident.get(idea.get_absolute_url()), payload, "idea page, as its author")
    else:
        assert response.status_code in (200, 400, 403, 429)
        assert Idea.objects.count() == before, "a refused idea stored a row"


@pytest.mark.parametrize("payload", IDEA_WRITES, ids=payload_ids(IDEA_WRITES))
def test_a_comment_is_refused_or_stored_exactly_and_shown_escaped(world: Any, payload: Payload) -> None:
    idea: Idea = world["idea"]
    resident = client_for(make_resident("commenter@example.org", name="Commenter"))
    before = Comment.objects.count()

    response = resident.post(f"/ideas/{idea.pk}/comments/", {"body": payload.value})

    assert_safe(response, payload, "POST comment")
    if response.status_code == 302:
        assert Comment.objects.count() == before + 1
        assert Comment.objects.latest("pk").body == payload.value.strip()
        assert_safe(Client().get(idea.get_absolute_url()), payload, "idea page with the comment")
    else:
        assert response.status_code in (200, 400, 403, 429)
        assert Comment.objects.count() == before, "a refused comment stored a row"


@pytest.mark.parametrize("payload", WRITES, ids=payload_ids(WRITES))
def test_the_web_assistant_refuses_or_answers_and_shows_the_message_escaped(
    db: Any, payload: Payload
) -> None:
    browser = Client()
    browser.get("/assistant/")
    before = (Conversation.objects.count(), AssistantMessage.objects.count())

    response = browser.post("/assistant/", {"message": payload.value})

    assert_safe(response, payload, "POST /assistant/")
    if response.status_code == 302:
        assert AssistantMessage.objects.filter(body=payload.value.strip()).exists()
        assert_safe(browser.get("/assistant/"), payload, "the conversation")
    else:
        assert response.status_code in (200, 400, 429)
        assert (Conversation.objects.count(), AssistantMessage.objects.count()) == before


@pytest.mark.parametrize("name", fields(["display_name", "contact"], ["display_name"]))
@pytest.mark.parametrize("payload", WRITES, ids=payload_ids(WRITES))
def test_engage_sign_in_refuses_or_sends_a_link(client: Client, db: Any, payload: Payload, name: str) -> None:
    form = {"display_name": "Ana", "contact": "ana@example.org", name: payload.value}

    response = client.post("/ideas/sign-in/", form)

    assert_safe(response, payload, f"POST sign-in {name}=")


@pytest.mark.parametrize(
    "field",
    fields(
        [
            "description",
            "service_code",
            "lat",
            "address_string",
            "email",
            "first_name",
            "attribute[WHEREIST]",
        ],
        ["description", "lat"],
    ),
)
@pytest.mark.parametrize("payload", WRITES, ids=payload_ids(WRITES))
def test_open311_post_answers_an_error_or_stores_exactly(
    client: Client, world: Any, payload: Payload, field: str
) -> None:
    key = api_client_issue(name="Fix-it app")[1]
    before = ServiceRequest.objects.count()
    form = {
        "api_key": key,
        "service_code": world["pothole"].code,
        "lat": PILSEN["latitude"],
        "long": PILSEN["longitude"],
        "attribute[WHEREIST]": "TRAFFIC",
        "description": "Deep hole",
        field: payload.value,
    }

    for fmt in ("json", "xml"):
        # As GeoReport v2 clients post: form-encoded.
        response = client.post(
            f"/open311/v2/requests.{fmt}", urlencode(form), content_type="application/x-www-form-urlencoded"
        )
        body = assert_safe(response, payload, f"POST open311.{fmt} {field}=")
        if fmt == "xml":
            ElementTree.fromstring(body)  # well-formed whatever came in
        if response.status_code in (200, 201):
            assert ServiceRequest.objects.count() == before + 1
            if field == "description":
                assert ServiceRequest.objects.latest("pk").description == payload.value.strip()
            before += 1
        else:
            assert response.status_code in (400, 403, 404, 429)
            assert ServiceRequest.objects.count() == before, "a refused API request stored a row"


# -------------------------------------------------------------------------------------------- SMS webhook


def _sms(body: str, sid: str) -> Any:
    fields = {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": "+13125550123",
        "To": "+13125550100",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(SITE + SMS_PATH, fields)
    return Client().post(  # type: ignore[return-value]
        SMS_PATH,
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


@pytest.mark.parametrize("payload", WRITES, ids=payload_ids(WRITES))
def test_a_hostile_text_gets_well_formed_twiml(world: Any, payload: Payload) -> None:
    before = AssistantMessage.objects.count()
    response = _sms(payload.value, sid=f"SM{HOSTILE.index(payload) + 1:032d}")

    body = assert_safe(response, None, "SMS webhook")
    if "\x00" in payload.value:  # refused before the view (core.null_bytes): nothing stored
        assert response.status_code == 400 and AssistantMessage.objects.count() == before
        return
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(body)  # raises on anything not XML-escaped
    assert root.tag == "Response"
    assert len(root.findall("Message")) <= 1


# ------------------------------------------------------------------------------------------------ uploads

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
UPLOADS = [
    pytest.param(b"Dear city, <script>alert(1)</script>\n", "photo.jpg", "image/jpeg", id="text-named-jpg"),
    pytest.param(SVG, "photo.svg", "image/svg+xml", id="svg-with-script"),
    pytest.param(SVG, "photo.jpg", "image/jpeg", id="svg-named-jpg"),
    pytest.param(b"GIF89a<script>alert(1)</script>", "photo.jpg", "image/jpeg", id="gif-html-polyglot"),
    pytest.param(b"<html><script>alert(1)</script></html>", "photo.html", "text/html", id="html-page"),
    pytest.param(
        b"\xff\xd8\xff\xe0" + b"\x00" * (IMAGE_BYTES_MAX + 1), "photo.jpg", "image/jpeg", id="over-limit"
    ),
    pytest.param(b"\x89PNG\r\n\x1a\n", "../../../../etc/passwd.png", "image/png", id="traversal-name"),
]


@pytest.mark.parametrize(("data", "name", "content_type"), UPLOADS)
def test_a_hostile_photo_is_refused_with_a_form_error_and_nothing_is_stored(
    client: Client, world: Any, settings: Any, data: bytes, name: str, content_type: str
) -> None:
    before = ServiceRequest.objects.count()
    form = {
        "attr_WHEREIST": "TRAFFIC",
        **PILSEN,
        "description": "Deep hole",
        "photo": SimpleUploadedFile(name, data, content_type=content_type),
    }

    response = client.post(f"/requests/new/{world['pothole'].code}/", form)

    assert_safe(response, None, f"upload {name}")
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["photo"]
    assert ServiceRequest.objects.count() == before
    assert _files_under(Path(settings.MEDIA_ROOT)) == []


# ----------------------------------------------------------------------------------------- open redirects


def _staff(username: str = "carmen") -> Any:
    return staff_user_ensure(
        username=username,
        email=f"{username}@example.org",
        role=Role.COMMUNICATIONS,
        password=PASSWORD,
        full_name="Carmen O",
    )


NEXT_IDS = [name for name, _ in HOSTILE_NEXT]
NEXT_VALUES = [value for _, value in HOSTILE_NEXT]


def _no_evil(response: Any, where: str) -> None:
    assert_safe(response, None, where)
    if response.status_code in (301, 302, 303, 307, 308):
        assert "evil.example" not in response["Location"].split("?")[0], where
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for value in re.findall(r'name="next"[^>]*value="([^"]*)"', html):
            assert not offsite(unescape(value)), f"{where}: next={value!r}"


@pytest.mark.parametrize("target", NEXT_VALUES, ids=NEXT_IDS)
def test_staff_sign_in_never_redirects_off_site(client: Client, db: Any, target: str) -> None:
    _staff()
    _no_evil(client.get("/staff/login/", {"next": target}), "GET staff login")
    response = client.post(
        f"/staff/login/?{urlencode({'next': target})}",
        {"username": "carmen", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302, response.status_code
    _no_evil(response, "POST staff login")
    _no_evil(client.get("/staff/login/", {"next": target}), "GET staff login, signed in")
    _no_evil(client.get("/staff/two-factor/", {"next": target}), "two-factor verify")
    _no_evil(client.get("/staff/two-factor/setup/", {"next": target}), "two-factor setup")
    _no_evil(client.post("/staff/two-factor/", {"next": target, "code": "000000"}), "two-factor verify POST")
    _no_evil(client.post("/staff/logout/", {"next": target}), "staff logout")
    _no_evil(client.get("/staff/admin/login/", {"next": target}), "admin login")


@pytest.mark.parametrize("target", NEXT_VALUES, ids=NEXT_IDS)
def test_language_switch_never_redirects_off_site(client: Client, db: Any, target: str) -> None:
    response = client.post("/i18n/setlang/", {"language": "es", "next": target})
    _no_evil(response, "setlang next")
    response = client.post("/i18n/setlang/", {"language": "es"}, headers={"referer": target})
    _no_evil(response, "setlang referer")


@pytest.mark.parametrize("target", NEXT_VALUES, ids=NEXT_IDS)
def test_engage_sign_in_never_redirects_off_site(world: Any, target: str) -> None:
    client = Client()
    _no_evil(client.get("/ideas/sign-in/", {"next": target}), "engage sign-in page")
    participant = make_resident("next@example.org", name="Next")
    token = sign_in_token(participant_id=participant.pk, token_version=participant.token_version)
    confirm = f"/ideas/sign-in/{token}/?{urlencode({'next': target})}"
    _no_evil(client.get(confirm), "engage sign-in confirm page")
    response = client.post(confirm, {"display_name": "Next", "next": target})
    _no_evil(response, "engage sign-in confirm")
    resident = client_for(participant)
    _no_evil(resident.post(f"/ideas/{world['idea'].pk}/support/", {"next": target}), "idea support next")
    _no_evil(resident.post("/ideas/sign-out/", {"next": target}), "engage sign-out")


# --------------------------------------------------------------------------------------------------- CSRF


def test_public_forms_refuse_a_post_without_a_csrf_token(world: Any) -> None:
    question: Question = world["question"]
    participant = make_resident("csrf@example.org", name="Csrf")
    browser = Client(enforce_csrf_checks=True)
    resident = client_for(participant)
    resident.handler.enforce_csrf_checks = True
    ideas = Idea.objects.count()
    posts = [
        (browser, "/subscribe/", {"email": "a@example.org"}),
        (browser, f"/requests/new/{world['pothole'].code}/", {**PILSEN, "description": "x"}),
        (browser, f"/requests/{world['request'].public_id}/follow/", {"email": "a@example.org"}),
        (browser, "/assistant/", {"message": "hello"}),
        (browser, "/ideas/sign-in/", {"display_name": "A", "contact": "a@example.org"}),
        (browser, "/i18n/setlang/", {"language": "es"}),
        (browser, "/staff/login/", {"username": "x", "password": "y"}),
        (resident, f"/ideas/{question.space.slug}/{question.slug}/new/", {"title": "T", "body": "B"}),
        (resident, f"/ideas/{world['idea'].pk}/comments/", {"body": "B"}),
        (resident, f"/ideas/{world['idea'].pk}/support/", {}),
        (resident, f"/report/idea/{world['idea'].pk}/", {"reason": "spam"}),
    ]
    for client, path, data in posts:
        response = client.post(path, data)
        assert response.status_code == 403, (path, response.status_code)
        assert response.get("X-Content-Type-Options") == "nosniff"
    assert Idea.objects.count() == ideas
