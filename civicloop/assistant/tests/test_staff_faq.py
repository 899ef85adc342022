"""The knowledge base in the staff console: communications staff list, add, edit and delete FAQ entries.

The real embedder runs (as in test_knowledge.py): an edited answer is what the assistant texts back.
"""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.assistant import selectors
from civicloop.assistant.models import FaqEntry
from civicloop.assistant.selectors import faq_reply
from civicloop.assistant.services.knowledge import DEMO_FAQ_FILE, faq_import
from civicloop.conftest import login_in_browser
from civicloop.moderation import checks
from civicloop.servicerequests.models import Service
from civicloop.topics.models import Topic

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"
LIST = "/staff/assistant/faq/"
NEW = "/staff/assistant/faq/new/"
DEMO = {entry["id"]: entry for entry in json.loads(DEMO_FAQ_FILE.read_text(encoding="utf-8"))}
# A small knowledge base from the demo city's (without topics: none are loaded here).
SMALL = ["garbage-day", "missed-garbage", "pothole", "dog-license", "flu-shot", "towed-car"]


@pytest.fixture(autouse=True)
def _fresh_index(settings):
    settings.SITE_URL = "https://city.example.org"
    selectors.faq_index_forget()
    yield
    selectors.faq_index_forget()


def staff_client(role: Role, *, enforce_csrf_checks: bool = False) -> Client:
    user = staff_user_ensure(
        username=f"user-{role}",
        email=f"{role}@example.org",
        role=role,
        password=PASSWORD,
        full_name="Test User",
    )
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


@pytest.fixture
def comms() -> Client:
    return staff_client(Role.COMMUNICATIONS)


@pytest.fixture
def small_faq():
    entries = [
        {key: value for key, value in DEMO[f"{slug}-{language}"].items() if key != "topic"}
        for language in ("en", "es")
        for slug in SMALL
    ]
    return faq_import(entries)


@pytest.fixture
def topic() -> Topic:
    return Topic.objects.create(slug="streets", name_en="Streets", name_es="Calles")


@pytest.fixture
def service() -> Service:
    return Service.objects.create(code="PHF", name="Pothole in Street", department="CDOT")


def edit_url(entry: FaqEntry) -> str:
    return f"/staff/assistant/faq/{entry.pk}/"


def delete_url(entry: FaqEntry) -> str:
    return f"/staff/assistant/faq/{entry.pk}/delete/"


def entry_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "question": "When do the beaches open?",
        "answer": "Chicago's beaches open on Memorial Day weekend, with lifeguards from 11 a.m. to 7 p.m.",
        "language": "en",
        "topic": "",
        "service": "",
    }
    data.update(overrides)
    return data


def make_entry(external_id: str = "beach-en", **fields: object) -> FaqEntry:
    now = timezone.now()
    values: dict[str, object] = {"question": "Q?", "answer": "A.", "language": "en", **fields}
    return FaqEntry.objects.create(external_id=external_id, created_at=now, updated_at=now, **values)


# ------------------------------------------------------------------------------------------------ roles


@pytest.mark.parametrize(("role", "status"), [(Role.COMMUNICATIONS, 200), (Role.ADMIN, 200)])
def test_communications_and_admins_reach_every_page(role, status):
    client = staff_client(role)
    entry = make_entry()

    for url in (LIST, NEW, edit_url(entry), delete_url(entry)):
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.MODERATOR, Role.RESIDENT])
def test_other_roles_are_refused_and_change_nothing(role):
    client = staff_client(role)
    entry = make_entry()

    for url in (LIST, NEW, edit_url(entry), delete_url(entry)):
        assert client.get(url).status_code == 403, url
    assert client.post(NEW, entry_data()).status_code == 403
    assert client.post(edit_url(entry), entry_data(question="Changed?")).status_code == 403
    assert client.post(delete_url(entry)).status_code == 403

    assert list(FaqEntry.objects.values_list("external_id", "question")) == [("beach-en", "Q?")]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    entry = make_entry()

    for url in (LIST, NEW, edit_url(entry), delete_url(entry)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/staff/login/?next={url}")
    assert client.post(delete_url(entry)).status_code == 302
    assert FaqEntry.objects.count() == 1


def test_the_console_home_links_to_the_knowledge_base_only_for_those_who_may_edit_it(comms):
    department = staff_client(Role.DEPARTMENT)

    assert f'href="{LIST}"' in comms.get("/staff/").content.decode()
    assert f'href="{LIST}"' not in department.get("/staff/").content.decode()


# ------------------------------------------------------------------------------------------------ create


def test_staff_add_an_entry_with_a_stable_id_of_its_own(comms, topic, service):
    response = comms.post(NEW, entry_data(topic=topic.pk, service=service.pk))

    entry = FaqEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == edit_url(entry)
    assert entry.external_id == f"staff-{entry.pk}"
    assert (entry.question, entry.language, entry.topic, entry.service) == (
        "When do the beaches open?",
        "en",
        topic,
        service,
    )
    assert entry.embedding is not None  # found by meaning at once
    page = comms.get(response["Location"]).content.decode()
    assert "Saved." in page and f"/assistant/faq/staff-{entry.pk}/" in page


def test_a_new_entry_is_left_alone_by_a_re_import_of_the_citys_file(comms, small_faq):
    comms.post(NEW, entry_data())
    created = FaqEntry.objects.get(external_id__startswith="staff-")

    result = faq_import([{key: value for key, value in DEMO["pothole-en"].items() if key != "topic"}])

    assert (result.created, result.updated) == (0, 0)
    assert FaqEntry.objects.get(pk=created.pk).question == "When do the beaches open?"


def test_a_new_entry_is_what_the_assistant_answers_with(comms, small_faq):
    comms.post(NEW, entry_data())

    reply = faq_reply("when do the beaches open for swimming?", language="en")

    assert reply.kind == "answer" and reply.text.startswith("Chicago's beaches open on Memorial Day")


# ------------------------------------------------------------------------------------------------ edit


def test_an_edited_answer_is_what_the_assistant_texts_back(comms, small_faq):
    entry = FaqEntry.objects.get(external_id="pothole-en")
    new_answer = "Report a pothole to 311 or in the Chicago 311 app. Crews fill it within 7 days."
    assert not faq_reply("how do I report a pothole", language="en").text.startswith(new_answer)

    response = comms.post(
        edit_url(entry), entry_data(question=entry.question, answer=new_answer, language="en")
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.external_id, entry.answer) == ("pothole-en", new_answer)  # the imported id is kept
    reply = faq_reply("how do I report a pothole", language="en")
    assert reply.kind == "answer" and reply.text.startswith(new_answer)
    assert reply.text.endswith("/assistant/faq/pothole-en/")


def test_the_edit_form_shows_the_entry_and_says_a_re_import_puts_the_files_text_back(comms, small_faq):
    entry = FaqEntry.objects.get(external_id="flu-shot-es")

    page = comms.get(edit_url(entry)).content.decode()

    assert entry.question in page and "flu-shot-es" in page
    assert re.search(r'<input type="radio" name="language" value="es"[^>]* checked>', page)
    assert "importing that file again" in page


def stored_embedding(entry: FaqEntry) -> bytes:
    return bytes(FaqEntry.objects.get(pk=entry.pk).embedding or b"")


def test_changing_only_the_topic_keeps_the_embedding(comms, small_faq, topic, monkeypatch):
    entry = FaqEntry.objects.get(external_id="pothole-en")
    before = stored_embedding(entry)
    embedded: list[str] = []
    real = checks.text_embed

    def counted(texts):
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(checks, "text_embed", counted)

    comms.post(edit_url(entry), entry_data(question=entry.question, answer=entry.answer, topic=topic.pk))

    assert FaqEntry.objects.get(pk=entry.pk).topic == topic
    assert stored_embedding(entry) == before and embedded == []

    comms.post(
        edit_url(entry), entry_data(question="How do I report a pothole in my alley?", answer=entry.answer)
    )

    assert len(embedded) == 1 and stored_embedding(entry) not in (before, b"")


def test_an_edit_page_of_no_entry_is_not_found(comms):
    assert comms.get("/staff/assistant/faq/999/").status_code == 404
    assert comms.get("/staff/assistant/faq/999/delete/").status_code == 404


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"question": "  "}, "question", "Write the question."),
        ({"answer": ""}, "answer", "Write the answer."),
        ({"answer": "x" * 2001}, "answer", "at most 2000 characters"),
        ({"language": "de"}, "language", "Choose a language from the list."),
        ({"topic": "999"}, "topic", "Select a valid choice"),
        ({"service": "999"}, "service", "Select a valid choice"),
    ],
)
def test_invalid_entries_are_form_errors_and_nothing_is_saved(comms, overrides, field, message):
    response = comms.post(NEW, entry_data(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert 'id="error-summary"' in response.content.decode()
    assert FaqEntry.objects.count() == 0


def test_an_inactive_service_cannot_be_chosen_for_a_new_entry(comms, service):
    service.active = False
    service.save()

    response = comms.post(NEW, entry_data(service=service.pk))

    assert response.status_code == 400 and "service" in response.context["form"].errors
    assert FaqEntry.objects.count() == 0


def test_an_invalid_edit_leaves_the_entry_as_it_was(comms):
    entry = make_entry(question="Old question?", answer="Old answer.")

    response = comms.post(edit_url(entry), entry_data(question="New question?", answer="x" * 2001))

    assert response.status_code == 400
    assert FaqEntry.objects.values_list("question", "answer").get() == ("Old question?", "Old answer.")


# ------------------------------------------------------------------------------------------------ delete


def test_delete_asks_first_then_removes_the_entry_from_the_assistant(comms, small_faq):
    entry = FaqEntry.objects.get(external_id="pothole-en")

    confirm = comms.get(delete_url(entry))
    assert confirm.status_code == 200 and entry.question in confirm.content.decode()
    assert FaqEntry.objects.filter(pk=entry.pk).exists()

    response = comms.post(delete_url(entry))

    assert response.status_code == 302 and response["Location"] == LIST
    assert not FaqEntry.objects.filter(pk=entry.pk).exists()
    matches = selectors.faq_search("how do I report a pothole", language="en")
    assert "pothole-en" not in [match.external_id for match in matches]


# ------------------------------------------------------------------------------------------------ CSRF


def test_posts_without_the_csrf_token_are_refused():
    client = staff_client(Role.COMMUNICATIONS, enforce_csrf_checks=True)
    entry = make_entry()

    assert client.post(NEW, entry_data()).status_code == 403
    assert client.post(edit_url(entry), entry_data(question="Changed?")).status_code == 403
    assert client.post(delete_url(entry)).status_code == 403

    assert list(FaqEntry.objects.values_list("external_id", "question")) == [("beach-en", "Q?")]
    page = client.get(NEW).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


# ------------------------------------------------------------------------------------------------ list


def test_the_list_is_searchable_and_filtered_by_language_and_topic(comms, topic):
    make_entry("a", question="Where do I pay a parking ticket?", topic=topic)
    make_entry("b", question="¿Dónde pago una multa?", answer="En línea: parking ticket.", language="es")
    make_entry("c", question="When is garbage day?", topic=topic)

    def shown(query: str) -> list[str]:
        page = comms.get(f"{LIST}?{query}").context["page"]
        return sorted(entry.external_id for entry in page.object_list)

    assert shown("q=PARKING+ticket") == ["a", "b"]  # in the question or the answer, any case
    assert shown("q=parking&language=es") == ["b"]
    assert shown(f"topic={topic.slug}") == ["a", "c"]
    assert shown("language=xx&topic=nope") == ["a", "b", "c"]  # unknown filters are ignored


def test_the_list_pages_keep_the_filters(comms):
    for number in range(30):
        make_entry(f"e{number}", question=f"Question {number} about parks?")

    first = comms.get(f"{LIST}?q=parks&language=en")
    second = comms.get(f"{LIST}?q=parks&language=en&page=2")

    assert len(first.context["page"].object_list) == 25 and len(second.context["page"].object_list) == 5
    assert 'href="?q=parks&amp;language=en&amp;page=2"' in first.content.decode()


def test_the_list_reads_30_entries_in_a_fixed_number_of_queries(
    comms, topic, service, django_assert_num_queries
):
    for number in range(30):
        make_entry(f"e{number}", question=f"Question {number}?", topic=topic, service=service)

    # session, user, count, one page of entries with their topic and service, the topics for the filter
    with django_assert_num_queries(5):
        response = comms.get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Pothole in Street") == 25 and "Streets" in body


# ------------------------------------------------------------------------------------------------ pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_have_no_axe_violations(page, live_server, assert_accessible, topic):
    comms = staff_user_ensure(
        username="carmen", email="c@example.org", role=Role.COMMUNICATIONS, password=PASSWORD, full_name="C O"
    )
    login_in_browser(page, live_server, comms)
    for number in range(30):
        make_entry(f"e{number}", question=f"Question {number} about parks?", topic=topic)

    for path in ["/staff/", LIST, f"{LIST}?q=parks&topic={topic.slug}&page=2"]:
        page.goto(path)
        assert_accessible(page)

    page.goto(NEW)
    page.get_by_role("button", name="Add the entry").click()
    page.locator("#error-summary").wait_for()  # the click only starts the navigation
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("English").check()
    page.get_by_label("Question").fill("When do the beaches open?")
    page.get_by_label("Answer").fill("On Memorial Day weekend.")
    page.get_by_role("button", name="Add the entry").click()
    page.get_by_text("Saved.").wait_for()  # the click only starts the navigation
    assert page.get_by_text("Saved.").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Delete this entry").click()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, delete this entry").click()
    page.get_by_text("Deleted.").wait_for()  # the click only starts the navigation
    assert page.get_by_text("Deleted.").is_visible()
    assert not FaqEntry.objects.filter(question="When do the beaches open?").exists()
