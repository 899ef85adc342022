"""Staff single sign-on by OpenID Connect, against a local provider speaking the protocol for real."""

from urllib.parse import urlparse

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.messages import get_messages

from civicloop.accounts.models import Role, StaffAuditEvent, User
from civicloop.accounts.services import staff_user_ensure
from civicloop.accounts.tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalOIDCProvider

OIDC_BACKEND = "civicloop.accounts.oidc.CityOIDCBackend"
ROLE_GROUPS = {
    "admin": ("civicloop-admins",),
    "moderator": ("civicloop-moderators",),
    "communications": ("civicloop-comms", "press-office"),
    "department": ("civicloop-311",),
}


def person(sub="00u-ana", groups=("civicloop-admins",), **claims):
    return {
        "sub": sub,
        "email": "ana.admin@city.example",
        "preferred_username": "ana.admin@city.example",
        "given_name": "Ana",
        "family_name": "Admin",
        "groups": list(groups),
        **claims,
    }


@pytest.fixture
def provider(settings):
    with LocalOIDCProvider() as server:
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_ISSUER = server.url
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{server.url}/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{server.url}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{server.url}/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{server.url}/jwks"
        settings.OIDC_ROLE_GROUPS = ROLE_GROUPS
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
        settings.STAFF_2FA_REQUIRED_ROLES = ("admin", "moderator")
        yield server


def sign_in_with_city_account(client, provider, claims, next_path="/staff/"):
    """The browser's round trip: civicloop → the provider's authorize page → back to the callback."""
    provider.claims = claims
    start = client.get("/staff/oidc/login/", {"next": next_path})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.url}/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlparse(at_provider.headers["Location"])
    assert back.path == "/staff/oidc/callback/"
    return client.get(f"{back.path}?{back.query}")


@pytest.mark.django_db
def test_an_admin_signs_in_through_the_city_provider(client, provider):
    response = sign_in_with_city_account(client, provider, person())

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    user = User.objects.get(oidc_subject="00u-ana")
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMIN, True, True)
    assert user.email == "ana.admin@city.example"
    assert not user.has_usable_password()
    # The provider asked for the second factor: no TOTP step, straight into the console and the admin site.
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/admin/").status_code == 200
    event = StaffAuditEvent.objects.get(kind=StaffAuditEvent.Kind.SIGNED_IN)
    assert (event.actor, event.target) == (user, "single sign-on")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["civicloop-311", "civicloop-moderators"], Role.MODERATOR),
        (["everyone", "press-office"], Role.COMMUNICATIONS),
        (["civicloop-311"], Role.DEPARTMENT),
    ],
)
def test_the_highest_role_of_the_groups_claim_is_given(client, provider, groups, role):
    sign_in_with_city_account(client, provider, person(groups=groups))

    user = User.objects.get(oidc_subject="00u-ana")
    assert user.role == role
    assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.django_db
def test_the_role_follows_the_groups_at_every_sign_in(client, provider):
    sign_in_with_city_account(client, provider, person(groups=["civicloop-admins"]))
    client.post("/staff/logout/")

    sign_in_with_city_account(client, provider, person(groups=["civicloop-311"], family_name="Moved"))

    user = User.objects.get(oidc_subject="00u-ana")
    assert (user.role, user.is_staff, user.is_superuser, user.last_name) == (
        Role.DEPARTMENT,
        False,
        False,
        "Moved",
    )
    assert client.get("/staff/admin/").status_code == 302


@pytest.mark.django_db
def test_someone_in_none_of_the_groups_is_refused_and_no_account_is_made(client, provider):
    response = sign_in_with_city_account(client, provider, person(groups=["all-city-employees"]))

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session
    [message] = get_messages(response.wsgi_request)
    assert "could not sign you in" in str(message)


@pytest.mark.django_db
def test_someone_removed_from_every_group_loses_the_staff_role(client, provider):
    sign_in_with_city_account(client, provider, person(groups=["civicloop-moderators"]))
    client.post("/staff/logout/")

    sign_in_with_city_account(client, provider, person(groups=[]))

    assert User.objects.get(oidc_subject="00u-ana").role == Role.RESIDENT
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_token_signed_with_another_key_is_refused(client, provider):
    provider.rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = sign_in_with_city_account(client, provider, person())

    assert response["Location"] == "/staff/login/"
    assert not User.objects.exists()
    assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
def test_a_token_issued_to_another_application_is_refused(client, provider):
    provider.audience = "some-other-app"

    response = sign_in_with_city_account(client, provider, person())

    assert response["Location"] == "/staff/login/"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_local_account_with_the_same_email_is_not_taken_over(client, provider):
    local = staff_user_ensure(
        username="ana.admin@city.example",
        email="ana.admin@city.example",
        role=Role.DEPARTMENT,
        password="a-long-test-password-1",
        full_name="Ana Local",
    )

    sign_in_with_city_account(client, provider, person())

    local.refresh_from_db()
    assert (local.role, local.oidc_subject) == (Role.DEPARTMENT, "")
    sso = User.objects.get(oidc_subject="00u-ana")
    assert sso.pk != local.pk
    assert sso.username == "ana.admin@city.example-2"


@pytest.mark.django_db
def test_the_sign_in_page_offers_the_city_account_only_when_configured(client, settings):
    assert "Sign in with your city account" not in client.get("/staff/login/").content.decode()
    assert client.get("/staff/oidc/login/").status_code == 404

    with LocalOIDCProvider() as server:
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{server.url}/authorize"
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
        page = client.get("/staff/login/", {"next": "/staff/requests/"}).content.decode()

    assert 'href="/staff/oidc/login/?next=/staff/requests/"' in page


@pytest.mark.django_db
def test_without_a_userinfo_endpoint_the_id_token_alone_is_used(client, provider, settings):
    settings.OIDC_OP_USER_ENDPOINT = ""

    sign_in_with_city_account(client, provider, person(groups=["civicloop-moderators"]))

    user = User.objects.get(oidc_subject="00u-ana")
    assert (user.role, user.first_name) == (Role.MODERATOR, "Ana")
    assert provider.tokens and not any(provider.grants)
