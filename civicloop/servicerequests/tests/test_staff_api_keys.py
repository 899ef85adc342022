"""Administrators issue and revoke Open311 API keys in the console; nobody else can."""

import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.servicerequests.models import ApiClient
from civicloop.servicerequests.services import ApiKeyInvalid, api_client_for_key

pytestmark = pytest.mark.django_db


def staff(role: Role):  # type: ignore[no-untyped-def]
    return staff_user_ensure(
        username=role.value, email=f"{role.value}@example.org", role=role, password="x-long-password-1",
        full_name="Sam Staff",
    )  # fmt: skip


def test_an_admin_issues_a_key_shown_once_that_works_and_then_revokes_it(client):
    client.force_login(staff(Role.ADMIN))

    response = client.post("/staff/requests/api-keys/", {"name": "Ward 25 app", "requests_per_minute": "30"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    raw_key = response.context["issued_key"]
    assert raw_key in response.content.decode()
    issued = api_client_for_key(raw_key)
    assert (issued.name, issued.requests_per_minute) == ("Ward 25 app", 30)
    assert raw_key not in client.get("/staff/requests/api-keys/").content.decode()  # never shown again

    response = client.post(f"/staff/requests/api-keys/{issued.pk}/revoke/")
    assert response.status_code == 302
    with pytest.raises(ApiKeyInvalid):
        api_client_for_key(raw_key)
    assert "Revoked" in client.get("/staff/requests/api-keys/").content.decode()


def test_a_bad_form_issues_nothing(client):
    client.force_login(staff(Role.ADMIN))

    response = client.post("/staff/requests/api-keys/", {"name": "  ", "requests_per_minute": "0"})

    assert response.status_code == 400 and not ApiClient.objects.exists()


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.COMMUNICATIONS, Role.MODERATOR])
def test_only_administrators_manage_keys(client, role):
    client.force_login(staff(role))
    issued = ApiClient.objects.create(name="x", key_prefix="c311_abc", key_hash="0" * 64)

    assert client.get("/staff/requests/api-keys/").status_code == 403
    assert (
        client.post("/staff/requests/api-keys/", {"name": "y", "requests_per_minute": "5"}).status_code == 403
    )
    assert client.post(f"/staff/requests/api-keys/{issued.pk}/revoke/").status_code == 403
    assert ApiClient.objects.count() == 1 and ApiClient.objects.get().revoked_at is None


def test_revoke_needs_a_post_and_csrf(client):
    from django.test import Client

    admin = staff(Role.ADMIN)
    issued = ApiClient.objects.create(name="x", key_prefix="c311_abc", key_hash="0" * 64)
    client.force_login(admin)
    assert client.get(f"/staff/requests/api-keys/{issued.pk}/revoke/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert strict.post(f"/staff/requests/api-keys/{issued.pk}/revoke/").status_code == 403
    assert ApiClient.objects.get().revoked_at is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_keys_page_passes_axe_with_a_new_key_shown(page, live_server, assert_accessible):
    from civicloop.conftest import login_in_browser

    login_in_browser(page, live_server, staff(Role.ADMIN))
    page.goto("/staff/requests/api-keys/")
    page.get_by_label("Client application").fill("Ward 25 app")
    page.get_by_role("button", name="Issue a key").click()

    assert page.locator("#issued-key").inner_text().startswith("c311_")
    assert_accessible(page)
