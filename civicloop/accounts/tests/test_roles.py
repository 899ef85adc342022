import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.permissions import Capability, user_can
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.tests.factories import make_announcement

PASSWORD = "a-long-test-password-1"


def login_as(client, role: Role):
    user = staff_user_ensure(
        username=f"user-{role}",
        email=f"{role}@example.org",
        role=role,
        password=PASSWORD,
        full_name="Test User",
    )
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_staff_sign_in_with_username_and_password(client):
    staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password=PASSWORD,
        full_name="Carmen O",
    )

    response = client.post("/staff/login/", {"username": "carmen", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/staff/"


@pytest.mark.django_db
def test_a_wrong_password_shows_an_error_summary(client):
    staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password=PASSWORD,
        full_name="Carmen O",
    )

    response = client.post("/staff/login/", {"username": "carmen", "password": "nope"})

    assert response.status_code == 200
    assert b"error-summary" in response.content


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/announcements/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "composer", "admin_site"),
    [
        (Role.COMMUNICATIONS, 200, 302),
        (Role.DEPARTMENT, 403, 302),
        (Role.MODERATOR, 403, 302),
        (Role.ADMIN, 200, 200),
    ],
)
def test_each_role_sees_only_what_it_may(client, role, composer, admin_site):
    login_as(client, role)

    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/announcements/").status_code == composer
    assert client.get("/staff/announcements/new/").status_code == composer
    assert client.get("/staff/admin/").status_code == admin_site


@pytest.mark.django_db
def test_a_resident_account_cannot_enter_the_console(client):
    login_as(client, Role.RESIDENT)

    assert client.get("/staff/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.MODERATOR])
def test_roles_without_publishing_rights_cannot_archive(client, role):
    announcement = make_announcement()
    login_as(client, role)

    response = client.post(f"/staff/announcements/{announcement.pk}/archive/")

    assert response.status_code == 403
    announcement.refresh_from_db()
    assert announcement.status == "published"


def test_capability_table_follows_least_privilege():
    class Fake:
        is_authenticated = True
        is_active = True

        def __init__(self, role):
            self.role = role

    assert user_can(Fake(Role.COMMUNICATIONS), Capability.PUBLISH_ANNOUNCEMENTS)
    assert not user_can(Fake(Role.COMMUNICATIONS), Capability.MODERATE)
    assert not user_can(Fake(Role.MODERATOR), Capability.COMPOSE_ANNOUNCEMENTS)
    assert not user_can(Fake(Role.RESIDENT), Capability.VIEW_CONSOLE)
    assert all(user_can(Fake(Role.ADMIN), capability) for capability in Capability)
