import json
import logging

from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.records.models import RecordsRequest
from civicloop.records.tests.conftest import EMAIL, PHONE
from civicloop.subscriptions.models import ContactPoint

PAGE = "/staff/records/"


def _client(user: User, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_refused(db):
    assert Client().get(PAGE)["Location"].startswith("/staff/login/")
    for role in (Role.COMMUNICATIONS, Role.DEPARTMENT, Role.MODERATOR, Role.RESIDENT):
        user = User.objects.create_user(username=f"u-{role}", password="x", role=role)
        assert _client(user).get(PAGE).status_code == 403
        assert _client(user).post(PAGE + "export/", {"email": EMAIL}).status_code == 403
        assert (
            _client(user).post(PAGE + "erase/", {"email": EMAIL, "confirm": "on", "erase": "1"}).status_code
            == 403
        )


def test_an_admin_downloads_the_export_and_the_request_is_recorded(resident, admin_user, caplog):
    client = _client(admin_user)
    assert client.get(PAGE).status_code == 200
    with caplog.at_level(logging.INFO):
        response = client.post(PAGE + "export/", {"email": EMAIL, "phone": ""})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="records-')
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["datasets"]["engage.ideas"]["rows"][0]["title"] == resident.idea.title
    entry = RecordsRequest.objects.get()
    assert (entry.kind, entry.source, entry.actor, entry.identified_by) == (
        "export",
        "staff",
        admin_user,
        "email",
    )
    assert EMAIL not in caplog.text and PHONE not in caplog.text
    # The page lists the request, with no contact detail.
    listing = client.get(PAGE).content.decode()
    assert "records.admin" in listing and EMAIL not in listing


def test_a_bad_number_is_a_form_error(admin_user):
    response = _client(admin_user).post(PAGE + "export/", {"phone": "12"})
    assert response.status_code == 400
    assert "valid mobile number" in response.content.decode()
    assert not RecordsRequest.objects.exists()


def test_posts_need_the_csrf_token(resident, admin_user):
    client = _client(admin_user, enforce_csrf_checks=True)
    assert client.post(PAGE + "export/", {"email": EMAIL}).status_code == 403
    assert client.post(PAGE + "erase/", {"email": EMAIL, "confirm": "on", "erase": "1"}).status_code == 403
    assert ContactPoint.objects.filter(value=EMAIL).exists()


def test_erasure_shows_what_would_change_then_needs_the_box_ticked(resident, admin_user):
    client = _client(admin_user)
    preview = client.post(PAGE + "erase/", {"email": EMAIL, "phone": ""})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Ideas posted" in text and "Kept, no longer linked to them" in text
    assert ContactPoint.objects.filter(value=EMAIL).exists()  # nothing changed yet

    unticked = client.post(PAGE + "erase/", {"email": EMAIL, "phone": "", "erase": "1"})
    assert unticked.status_code == 400
    assert ContactPoint.objects.filter(value=EMAIL).exists()

    done = client.post(
        PAGE + "erase/", {"email": EMAIL, "phone": "", "confirm": "on", "erase": "1"}, follow=True
    )
    assert done.redirect_chain[-1][0] == PAGE
    assert "Erased:" in done.content.decode()
    assert not ContactPoint.objects.filter(value=EMAIL).exists()
    entry = RecordsRequest.objects.get()
    assert (entry.kind, entry.actor) == ("erasure", admin_user)


def test_an_admin_cannot_erase_their_own_account(resident, admin_user):
    User.objects.filter(pk=admin_user.pk).update(email="admin@example.org")
    response = _client(admin_user).post(
        PAGE + "erase/", {"email": "ADMIN@example.org", "confirm": "on", "erase": "1"}
    )
    assert response.status_code == 400
    assert "your own account" in response.content.decode()
    assert User.objects.get(pk=admin_user.pk).is_active
    assert not RecordsRequest.objects.exists()
