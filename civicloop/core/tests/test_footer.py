"""The footer's staff link: "Staff login" for visitors, "Staff console" for signed-in staff (issue 23)."""

import re

import pytest

from civicloop.accounts.models import Role, User
from civicloop.accounts.services import staff_user_ensure

pytestmark = pytest.mark.django_db


def footer_staff_link(html: str) -> str:
    footer = html[html.index('<footer class="site-footer">') :]
    match = re.search(r'<a href="/staff/">([^<]*)</a>', footer)
    assert match is not None, footer
    return match.group(1)


def test_visitors_are_offered_the_staff_login(client):
    assert footer_staff_link(client.get("/").content.decode()) == "Staff login"


@pytest.mark.parametrize("path", ["/", "/announcements/", "/staff/"])
def test_signed_in_staff_get_a_link_to_the_staff_console_instead(client, path):
    moderator = staff_user_ensure(
        username="maya",
        email="m@example.org",
        role=Role.MODERATOR,
        password="pw-long-enough-1",
        full_name="M C",
    )
    client.force_login(moderator)

    html = client.get(path).content.decode()

    assert footer_staff_link(html) == "Staff console"
    assert "Staff login" not in html


def test_the_console_link_is_translated(client):
    client.force_login(
        staff_user_ensure(
            username="carmen",
            email="c@example.org",
            role=Role.COMMUNICATIONS,
            password="pw-long-enough-1",
            full_name="C O",
        )
    )
    client.cookies["django_language"] = "es"

    assert footer_staff_link(client.get("/").content.decode()) == "Consola del personal"


def test_a_signed_in_account_without_a_staff_role_still_sees_the_staff_login(client):
    client.force_login(User.objects.create_user(username="resident", password="x", role=Role.RESIDENT))

    assert footer_staff_link(client.get("/").content.decode()) == "Staff login"
