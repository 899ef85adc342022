"""Sign-in links work once, the newest only, and a name changes only with the link or signed in."""

import pytest
from django.test import Client

from civicloop.engage.models import Idea, Participant
from civicloop.engage.services import participant_sign_in_request
from civicloop.engage.tests.conftest import (
    client_for,
    make_question,
    make_resident,
    make_space,
    sign_in_link_of,
)
from civicloop.engage.views import SESSION_KEY

pytestmark = pytest.mark.django_db


def ask_for_link(django_capture_on_commit_callbacks, *, name="Ana", contact="ana@example.org", client=None):
    with django_capture_on_commit_callbacks(execute=True):
        response = (client or Client()).post("/ideas/sign-in/", {"display_name": name, "contact": contact})
    assert response.status_code == 200
    return Participant.objects.get(contact_point__value=contact)


def link_path(participant):
    return sign_in_link_of(participant).removeprefix("https://city.example.org")


def use(path, client=None, **form):
    client = client or Client()
    return client, client.post(path, {"next": "/ideas/", **form})


def test_a_link_signs_in_one_browser_once(django_capture_on_commit_callbacks):
    ana = ask_for_link(django_capture_on_commit_callbacks)
    path = link_path(ana)

    first_browser, first = use(path)
    second_browser, second = use(path)

    assert first.status_code == 302 and first_browser.session[SESSION_KEY] == ana.pk
    assert second.status_code == 410 and SESSION_KEY not in second_browser.session
    page = second.content.decode()
    assert "already been used" in page and 'href="/ideas/sign-in/"' in page


def test_a_link_used_then_signed_out_does_not_sign_in_again(django_capture_on_commit_callbacks):
    ana = ask_for_link(django_capture_on_commit_callbacks)
    path = link_path(ana)
    browser, _ = use(path)
    browser.post("/ideas/sign-out/")

    _, again = use(path, browser)

    assert again.status_code == 410 and SESSION_KEY not in browser.session


def test_a_newer_link_makes_the_older_one_unusable(django_capture_on_commit_callbacks):
    ana = ask_for_link(django_capture_on_commit_callbacks)
    older = link_path(ana)
    ask_for_link(django_capture_on_commit_callbacks)
    newer = link_path(ana)

    old_browser, old = use(older)
    old_shown = Client().get(older)
    new_browser, new = use(newer)

    assert older != newer
    assert old.status_code == 410 and SESSION_KEY not in old_browser.session
    assert old_shown.status_code == 410 and "newer one was sent" in old_shown.content.decode()
    assert new.status_code == 302 and new_browser.session[SESSION_KEY] == ana.pk


def test_opening_a_link_without_pressing_the_button_uses_nothing(django_capture_on_commit_callbacks):
    ana = ask_for_link(django_capture_on_commit_callbacks)
    path = link_path(ana)

    shown = [Client().get(path).status_code for _ in range(3)]  # a mail scanner, then the resident
    _browser, used = use(path)

    assert shown == [200, 200, 200] and used.status_code == 302


def test_a_stranger_typing_a_resident_s_address_does_not_rename_them(django_capture_on_commit_callbacks):
    ana = make_resident(name="Ana")
    question = make_question(make_space())
    idea = Idea.objects.create(
        question=question, author=ana, title="Benches", body="By the lake.", created_at=ana.created_at
    )

    ask_for_link(django_capture_on_commit_callbacks, name="Mallory was here")

    ana.refresh_from_db()
    page = client_for(make_resident("ben@example.org", name="Ben")).get(f"/ideas/{idea.pk}/").content.decode()
    assert ana.display_name == "Ana" and "Mallory" not in page


def test_the_name_asked_for_takes_effect_when_the_link_is_used(django_capture_on_commit_callbacks):
    ana = make_resident(name="Ana")
    ask_for_link(django_capture_on_commit_callbacks, name="Ana R.")
    path = link_path(ana)

    use(path)

    ana.refresh_from_db()
    assert ana.display_name == "Ana R." and ana.pending_display_name == ""


def test_the_confirmation_page_shows_the_name_and_lets_the_person_change_it(
    django_capture_on_commit_callbacks,
):
    ana = make_resident(name="Ana")
    ask_for_link(django_capture_on_commit_callbacks, name="Someone else")
    path = link_path(ana)

    shown = Client().get(path).content.decode()
    use(path, display_name="Ana")

    ana.refresh_from_db()
    assert 'value="Someone else"' in shown and ana.display_name == "Ana"


def test_a_new_link_keeps_the_language_until_it_is_used(django_capture_on_commit_callbacks):
    ana = make_resident(name="Ana", language="en")
    participant_sign_in_request(contact="ana@example.org", display_name="Ana", language="es")
    ana.refresh_from_db()
    assert ana.language == "en"


def test_a_signed_in_resident_changes_their_name():
    ana = make_resident(name="Ana")
    client = client_for(ana)

    page = client.get("/ideas/your-name/")
    saved = client.post("/ideas/your-name/", {"display_name": "Ana Ruiz"})
    empty = client.post("/ideas/your-name/", {"display_name": "   "})

    ana.refresh_from_db()
    assert page.status_code == 200 and saved.status_code == 200 and empty.status_code == 400
    assert ana.display_name == "Ana Ruiz"


def test_changing_a_name_needs_signing_in():
    ana = make_resident(name="Ana")

    response = Client().post("/ideas/your-name/", {"display_name": "Mallory"})

    ana.refresh_from_db()
    assert response.status_code == 302 and response["Location"].startswith("/ideas/sign-in/")
    assert ana.display_name == "Ana"


def test_renaming_needs_the_csrf_token():
    ana = make_resident(name="Ana")
    client = client_for(ana)
    client.handler.enforce_csrf_checks = True

    response = client.post("/ideas/your-name/", {"display_name": "Mallory"})

    ana.refresh_from_db()
    assert response.status_code == 403 and ana.display_name == "Ana"
