"""Issue 4's 'done when', in a real browser: a resident files a pothole in Spanish on a phone, gets an
email when staff acknowledge and complete it, and reopens it with one click."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.delivery.tests.smtp_sink import site_mail
from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import services_load
from civicloop.topics.services import topics_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city(settings, live_server):  # type: ignore[no-untyped-def]
    cache.clear()
    community_area_index_clear()
    topics_ensure()
    community_areas_load()
    services_load()
    with site_mail(settings, live_server.url) as sink:
        yield sink
    cache.clear()
    community_area_index_clear()


def link_in(email, part: str, base: str) -> str:  # type: ignore[no-untyped-def]
    text = email.get_body(("plain",)).get_content()
    return next(link for link in re.findall(rf"{re.escape(base)}/\S+", text) if part in link)


def test_a_spanish_pothole_is_acknowledged_completed_and_reopened_with_one_click(
    chromium, live_server, city, assert_accessible
):
    sink = city
    pothole = Service.objects.get(name="Pothole in Street Complaint")
    resident = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale="es-US")
    page = resident.new_page()
    page.set_default_timeout(10_000)

    # The resident searches in Spanish and files the request with an email for updates.
    page.goto("/requests/new/")
    page.get_by_role("searchbox").fill("bache")
    page.locator("form[role=search] button").click()
    page.locator(f"a[href='/requests/new/{pothole.code}/']").first.click()
    page.locator("input[name=attr_WHEREIST][value=TRAFFIC]").check()
    page.locator("input[name=address]").fill("1800 S Blue Island Ave")
    page.locator("textarea[name=description]").fill("Un bache muy hondo frente a la escuela")
    page.locator("input[name=email]").fill("vecina@example.org")
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/requests/\d\d-\d{8}/$"))
    public_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Solicitud abierta" in page.content()  # the timeline speaks Spanish
    assert_accessible(page)

    # Staff acknowledge it, then complete it, in their queue.
    staff = staff_user_ensure(
        username="devon", email="d@example.org", role=Role.DEPARTMENT, password="x-long-password-1",
        full_name="Devon Price",
    )  # fmt: skip
    staff.department = pothole.department
    staff.save(update_fields=["department"])
    office = chromium.new_context(base_url=live_server.url)
    console = office.new_page()
    console.set_default_timeout(10_000)
    console.goto("/staff/login/")
    console.locator("input[name=username]").fill("devon")
    console.locator("input[name=password]").fill("x-long-password-1")
    console.get_by_role("button", name="Sign in").click()
    console.goto("/staff/requests/")
    console.get_by_role("link", name=public_id).click()
    for status, note in (("acknowledged", "Cuadrilla asignada"), ("completed", "Bache rellenado")):
        console.get_by_label("New status").select_option(status)
        console.locator("form[action$='/status/']").get_by_label("Note to residents").fill(note)
        console.get_by_role("button", name="Change status").click()
        console.wait_for_selector("[role=status], .messages, .notice")
        call_command("worker", batch=True)

    emails = sink.to("vecina@example.org")
    assert [email["Subject"] for email in emails] == [
        f"Solicitud 311 {public_id}: Confirmada",
        f"Solicitud 311 {public_id}: Terminada",
    ]
    assert "Cuadrilla asignada" in emails[0].get_body(("plain",)).get_content()

    # "Not fixed?": one click from the email, a note, and the request is open again.
    page.goto(link_in(emails[1], "/reopen/", live_server.url))
    assert_accessible(page)
    page.locator("textarea[name=note]").fill("Sigue el hoyo junto a la banqueta")
    page.get_by_role("button", name="Volver a abrir la solicitud").click()
    page.wait_for_url(f"**/requests/{public_id}/")
    assert "Sigue el hoyo junto a la banqueta" in page.content()
    request = ServiceRequest.objects.get(public_id=public_id)
    assert (request.status, request.detailed_status) == ("open", "submitted")
    resident.close()
    office.close()
