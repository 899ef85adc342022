"""WebAuthn passkeys as a second factor for staff (issue 15): the services with real signatures from a
software authenticator, and the sign-in and set-up pages over HTTP."""

import json

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn.helpers import base64url_to_bytes

from civicloop.accounts import passkeys
from civicloop.accounts.models import Passkey, Role, StaffAuditEvent
from civicloop.accounts.passkeys import PasskeyInvalid, RelyingParty
from civicloop.accounts.services import staff_user_ensure
from civicloop.accounts.tests.soft_authenticator import SoftAuthenticator
from civicloop.accounts.tests.test_second_factor import (  # the same staff, password and 2FA rule
    PASSWORD,
    _two_factor_required,  # noqa: F401 (an autouse fixture)
    make_staff,
)

RP = RelyingParty(id="testserver", origin="http://testserver")


def registered(user, authenticator=None, name="Laptop"):
    authenticator = authenticator or SoftAuthenticator()
    options, challenge = passkeys.passkey_registration_options(user=user, rp=RP)
    passkey = passkeys.passkey_register(
        user=user, credential=authenticator.create(options), name=name, challenge=challenge, rp=RP
    )
    return passkey, authenticator


def signed_with(user, authenticator, **answer):
    options, challenge = passkeys.passkey_authentication_options(user=user, rp=RP)
    return authenticator.get(options, **answer), challenge


# The services ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_passkey_is_registered_then_answers_a_sign_in(settings):
    settings.CITY_NAME = "City of Testville"
    moderator = make_staff(Role.MODERATOR)
    options, challenge = passkeys.passkey_registration_options(user=moderator, rp=RP)
    parsed = json.loads(options)
    authenticator = SoftAuthenticator()

    passkey = passkeys.passkey_register(
        user=moderator,
        credential=authenticator.create(options),
        name="  Work   laptop ",
        challenge=challenge,
        rp=RP,
    )
    credential, auth_challenge = signed_with(moderator, authenticator)
    used = passkeys.passkey_verify(user=moderator, credential=credential, challenge=auth_challenge, rp=RP)

    assert parsed["rp"] == {"id": "testserver", "name": "City of Testville"}
    assert parsed["user"]["name"] == moderator.username
    assert base64url_to_bytes(parsed["user"]["id"]) != moderator.username.encode()
    assert (passkey.name, passkey.credential_id, passkey.transports) == (
        "Work laptop",
        authenticator.id,
        ["internal", "hybrid"],
    )
    assert used == passkey
    used.refresh_from_db()
    assert used.sign_count == 1
    assert used.last_used_at is not None
    events = StaffAuditEvent.objects.filter(actor=moderator).values_list("kind", "target")
    assert set(events) == {
        (StaffAuditEvent.Kind.PASSKEY_ADDED, f"passkey={passkey.pk}"),
        (StaffAuditEvent.Kind.SECOND_FACTOR_VERIFIED, f"passkey={passkey.pk}"),
    }


@pytest.mark.django_db
def test_registration_options_exclude_the_persons_passkeys_and_keep_the_user_handle():
    moderator = make_staff(Role.MODERATOR)
    first, _ = registered(moderator)

    options = json.loads(passkeys.passkey_registration_options(user=moderator, rp=RP)[0])
    again = json.loads(passkeys.passkey_registration_options(user=moderator, rp=RP)[0])

    assert [item["id"] for item in options["excludeCredentials"]] == [first.credential_id]
    assert options["user"]["id"] == again["user"]["id"]
    assert options["challenge"] != again["challenge"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param({"origin": "https://evil.example"}, id="another origin"),
        pytest.param({"challenge": b"an old challenge"}, id="another challenge"),
        pytest.param({"challenge": None}, id="no challenge in the session"),
    ],
)
def test_a_registration_from_elsewhere_is_refused(spoil):
    moderator = make_staff(Role.MODERATOR)
    options, challenge = passkeys.passkey_registration_options(user=moderator, rp=RP)
    credential = SoftAuthenticator().create(options, origin=spoil.get("origin"))

    with pytest.raises(PasskeyInvalid):
        passkeys.passkey_register(
            user=moderator, credential=credential, name="", challenge=spoil.get("challenge", challenge), rp=RP
        )

    assert not Passkey.objects.exists()
    assert not StaffAuditEvent.objects.filter(kind=StaffAuditEvent.Kind.PASSKEY_ADDED).exists()


@pytest.mark.django_db
def test_the_same_authenticator_is_not_registered_twice():
    moderator = make_staff(Role.MODERATOR)
    _, authenticator = registered(moderator)

    with pytest.raises(PasskeyInvalid, match="already registered"):
        registered(make_staff(Role.ADMIN), authenticator)

    assert Passkey.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("counter", ["the same", "lower"])
def test_a_replayed_or_cloned_answer_is_refused(counter):
    moderator = make_staff(Role.MODERATOR)
    passkey, authenticator = registered(moderator)
    credential, challenge = signed_with(moderator, authenticator)
    passkeys.passkey_verify(user=moderator, credential=credential, challenge=challenge, rp=RP)
    assert authenticator.sign_count == 1
    if counter == "lower":
        authenticator.sign_count = 0

    stale, challenge = signed_with(moderator, authenticator, count_up=counter == "lower")
    with pytest.raises(PasskeyInvalid):
        passkeys.passkey_verify(user=moderator, credential=stale, challenge=challenge, rp=RP)

    passkey.refresh_from_db()
    assert passkey.sign_count == 1
    assert StaffAuditEvent.objects.filter(
        actor=moderator, kind=StaffAuditEvent.Kind.SECOND_FACTOR_FAILED, target="passkey"
    ).exists()


@pytest.mark.django_db
def test_a_later_answer_with_a_higher_counter_is_accepted():
    moderator = make_staff(Role.MODERATOR)
    passkey, authenticator = registered(moderator)
    for _ in range(2):
        credential, challenge = signed_with(moderator, authenticator)
        passkeys.passkey_verify(user=moderator, credential=credential, challenge=challenge, rp=RP)

    passkey.refresh_from_db()
    assert passkey.sign_count == 2


@pytest.mark.django_db
def test_an_answer_signed_by_another_key_or_for_another_account_is_refused():
    moderator = make_staff(Role.MODERATOR)
    admin = make_staff(Role.ADMIN)
    _, authenticator = registered(moderator)
    registered(admin)
    impostor = SoftAuthenticator(credential_id=authenticator.credential_id)  # same id, another private key

    forged, challenge = signed_with(moderator, impostor)
    with pytest.raises(PasskeyInvalid):
        passkeys.passkey_verify(user=moderator, credential=forged, challenge=challenge, rp=RP)
    theirs, challenge = signed_with(admin, authenticator)
    with pytest.raises(PasskeyInvalid, match="not registered to your account"):
        passkeys.passkey_verify(user=admin, credential=theirs, challenge=challenge, rp=RP)
    elsewhere, challenge = signed_with(moderator, authenticator, origin="https://evil.example")
    with pytest.raises(PasskeyInvalid):
        passkeys.passkey_verify(user=moderator, credential=elsewhere, challenge=challenge, rp=RP)


@pytest.mark.django_db
def test_removing_a_passkey_is_audited_and_a_required_role_keeps_one_factor():
    moderator = make_staff(Role.MODERATOR)
    first, _ = registered(moderator, name="Laptop")
    second, _ = registered(moderator, name="Key")

    passkeys.passkey_remove(user=moderator, passkey_id=first.pk)
    with pytest.raises(PasskeyInvalid, match="before you remove your last passkey"):
        passkeys.passkey_remove(user=moderator, passkey_id=second.pk)
    with pytest.raises(PasskeyInvalid):
        passkeys.passkey_remove(user=make_staff(Role.ADMIN), passkey_id=second.pk)
    TOTPDevice.objects.create(user=moderator, name="Phone", confirmed=True)
    passkeys.passkey_remove(user=moderator, passkey_id=second.pk)

    assert not Passkey.objects.exists()
    removed = StaffAuditEvent.objects.filter(kind=StaffAuditEvent.Kind.PASSKEY_REMOVED)
    assert sorted(removed.values_list("target", flat=True)) == sorted(
        [f"passkey={first.pk}", f"passkey={second.pk}"]
    )


@pytest.mark.django_db
def test_other_roles_may_remove_their_last_passkey():
    department = make_staff(Role.DEPARTMENT)
    passkey, _ = registered(department)

    passkeys.passkey_remove(user=department, passkey_id=passkey.pk)

    assert not Passkey.objects.exists()


@pytest.mark.django_db
def test_the_reset_command_removes_passkeys_too():
    moderator = make_staff(Role.MODERATOR)
    registered(moderator)
    TOTPDevice.objects.create(user=moderator, name="Phone", confirmed=True)

    call_command("staff_2fa_reset", moderator.username, stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert not Passkey.objects.exists()
    assert not TOTPDevice.objects.exists()


def test_the_relying_party_is_the_host_or_the_setting(settings):
    request = RequestFactory().get("/", HTTP_HOST="localhost:8123")
    settings.ALLOWED_HOSTS = ["localhost", "staff.example.gov"]
    settings.WEBAUTHN_RP_ID = ""

    assert passkeys.relying_party(request) == RelyingParty(id="localhost", origin="http://localhost:8123")
    settings.WEBAUTHN_RP_ID = "example.gov"
    secure = RequestFactory().get("/", HTTP_HOST="staff.example.gov", secure=True)
    assert passkeys.relying_party(secure) == RelyingParty(
        id="example.gov", origin="https://staff.example.gov"
    )


# Over HTTP ---------------------------------------------------------------------------------------------


def password_sign_in(client, user):
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def passkey_sign_in(client, authenticator, next_url="/staff/moderation/"):
    options = post_json(client, "/staff/two-factor/passkey/options/").json()["options"]
    return post_json(
        client, f"/staff/two-factor/passkey/?next={next_url}", {"credential": authenticator.get(options)}
    )


@pytest.mark.django_db
def test_a_moderator_with_only_a_passkey_signs_in_with_it(client):
    moderator = make_staff(Role.MODERATOR)
    _, authenticator = registered(moderator)
    password_sign_in(client, moderator)

    asked = client.get("/staff/moderation/")
    page = client.get(asked["Location"]).content.decode()
    done = passkey_sign_in(client, authenticator)

    assert asked["Location"] == "/staff/two-factor/?next=%2Fstaff%2Fmoderation%2F"
    assert "Sign in with your passkey" in page
    assert "Passkeys need JavaScript" in page
    assert 'autocomplete="one-time-code"' not in page
    assert 'src="/static/civicloop/passkeys.js"' in page
    assert done.status_code == 200
    assert done.json() == {"redirect": "/staff/moderation/"}
    assert client.get("/staff/moderation/").status_code == 200
    assert StaffAuditEvent.objects.filter(
        actor=moderator, kind=StaffAuditEvent.Kind.SECOND_FACTOR_VERIFIED
    ).exists()


@pytest.mark.django_db
def test_a_passkey_answer_counts_once_and_a_bad_one_verifies_nothing(client):
    moderator = make_staff(Role.MODERATOR)
    _, authenticator = registered(moderator)
    password_sign_in(client, moderator)
    options = post_json(client, "/staff/two-factor/passkey/options/").json()["options"]
    spoiled = authenticator.get(options)
    spoiled["response"]["signature"] = authenticator.get(options)["response"]["signature"][:-4] + "AAAA"

    refused = post_json(client, "/staff/two-factor/passkey/", {"credential": spoiled})
    replayed = post_json(client, "/staff/two-factor/passkey/", {"credential": authenticator.get(options)})
    unreadable = client.post("/staff/two-factor/passkey/", "{not json", content_type="application/json")

    assert refused.status_code == 400
    assert "could not be checked" in refused.json()["error"]
    assert replayed.status_code == 400  # the challenge was used up by the first answer
    assert "expired" in replayed.json()["error"]
    assert unreadable.status_code == 400
    assert client.get("/staff/moderation/").status_code == 302


@pytest.mark.django_db
def test_with_both_the_page_offers_the_code_and_the_passkey(client):
    moderator = make_staff(Role.MODERATOR)
    registered(moderator)
    TOTPDevice.objects.create(user=moderator, name="Phone", confirmed=True)
    password_sign_in(client, moderator)

    page = client.get("/staff/two-factor/").content.decode()

    assert "Enter your two-factor code" in page
    assert 'autocomplete="one-time-code"' in page
    assert "Or use a passkey" in page


@pytest.mark.django_db
def test_an_admin_without_a_second_factor_sets_up_a_passkey_instead_of_an_app(client):
    admin = make_staff(Role.ADMIN)
    password_sign_in(client, admin)
    sent = client.get("/staff/admin/")
    page = client.get(sent["Location"]).content.decode()
    authenticator = SoftAuthenticator()

    options = post_json(client, "/staff/two-factor/passkeys/new/options/").json()["options"]
    added = post_json(
        client,
        "/staff/two-factor/passkeys/new/?next=/staff/admin/",
        {"credential": authenticator.create(options), "name": "Security key"},
    )

    assert sent["Location"].startswith("/staff/two-factor/setup/")
    assert "Passkeys need JavaScript" in page
    assert 'id="passkey-register" hidden' in page
    assert added.status_code == 200, added.content
    assert added.json() == {"redirect": "/staff/admin/"}
    assert client.get("/staff/admin/").status_code == 200
    assert Passkey.objects.get(user=admin).name == "Security key"
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert StaffAuditEvent.objects.filter(actor=admin, kind=StaffAuditEvent.Kind.PASSKEY_ADDED).exists()

    client.post("/staff/logout/")
    password_sign_in(client, admin)
    assert client.get("/staff/admin/")["Location"].startswith("/staff/two-factor/?")
    assert passkey_sign_in(client, authenticator, "/staff/admin/").json() == {"redirect": "/staff/admin/"}
    assert client.get("/staff/admin/").status_code == 200


@pytest.mark.django_db
def test_a_password_alone_cannot_add_a_passkey(client):
    moderator = make_staff(Role.MODERATOR)
    registered(moderator)
    password_sign_in(client, moderator)

    options = post_json(client, "/staff/two-factor/passkeys/new/options/")
    added = post_json(client, "/staff/two-factor/passkeys/new/", {"credential": {"id": "x"}})

    assert (options.status_code, added.status_code) == (403, 403)
    assert Passkey.objects.filter(user=moderator).count() == 1


@pytest.mark.django_db
def test_the_passkey_endpoints_answer_staff_only(client):
    assert post_json(client, "/staff/two-factor/passkey/options/").status_code == 401
    assert client.get("/staff/two-factor/passkey/options/").status_code == 405
    resident = staff_user_ensure(
        username="res", email="r@example.org", role=Role.RESIDENT, password=PASSWORD, full_name="R"
    )
    client.force_login(resident)
    assert post_json(client, "/staff/two-factor/passkeys/new/options/").status_code == 403


@pytest.mark.django_db
def test_a_verified_moderator_lists_and_removes_a_passkey(client):
    moderator = make_staff(Role.MODERATOR)
    laptop, authenticator = registered(moderator, name="Laptop")
    registered(moderator, name="Blue key")
    password_sign_in(client, moderator)
    passkey_sign_in(client, authenticator)

    page = client.get("/staff/two-factor/setup/").content.decode()
    removed = client.post(f"/staff/two-factor/passkeys/{laptop.pk}/remove/")

    assert "Laptop" in page
    assert "Blue key" in page
    assert removed.status_code == 302
    assert removed["Location"] == "/staff/two-factor/setup/"
    assert list(Passkey.objects.filter(user=moderator).values_list("name", flat=True)) == ["Blue key"]
    # The session was verified with the removed passkey: it stays verified (by the other one).
    assert client.get("/staff/moderation/").status_code == 200
    assert StaffAuditEvent.objects.filter(kind=StaffAuditEvent.Kind.PASSKEY_REMOVED).count() == 1
    assert not StaffAuditEvent.objects.filter(kind=StaffAuditEvent.Kind.CHANGE).exists()


@pytest.mark.django_db
def test_an_unverified_session_cannot_remove_a_passkey(client):
    moderator = make_staff(Role.MODERATOR)
    passkey, _ = registered(moderator)
    TOTPDevice.objects.create(user=moderator, name="Phone", confirmed=True)
    password_sign_in(client, moderator)

    response = client.post(f"/staff/two-factor/passkeys/{passkey.pk}/remove/")

    assert response["Location"].startswith("/staff/two-factor/?")
    assert Passkey.objects.filter(pk=passkey.pk).exists()


@pytest.mark.django_db
def test_the_admin_site_lists_passkeys_read_only(client, settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ()
    moderator = make_staff(Role.MODERATOR)
    passkey, _ = registered(moderator, name="Blue key")
    client.force_login(make_staff(Role.ADMIN))

    listing = client.get("/staff/admin/accounts/passkey/")
    change = client.get(f"/staff/admin/accounts/passkey/{passkey.pk}/change/")

    assert listing.status_code == 200
    assert "Blue key" in listing.content.decode()
    assert change.status_code == 200
    assert 'name="name"' not in change.content.decode()
    assert client.get("/staff/admin/accounts/passkey/add/").status_code == 403
