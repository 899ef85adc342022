"""The subscription pages in a real browser (Debian Chromium): axe-core WCAG 2.2 AA, keyboard only, in Spanish."""

import re

import pytest
from django.core import mail

from civicloop.subscriptions.models import ConsentRecord, Subscriber
from civicloop.subscriptions.selectors import subscription_links
from civicloop.subscriptions.tests.factories import ContactPointFactory, SubscriberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_subscribe_page_and_its_error_state_pass_axe(page, topics, areas, assert_accessible):
    page.goto("/subscribe/")
    assert_accessible(page)

    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_selector("#error-summary")
    assert_accessible(page)


def test_the_link_pages_pass_axe(page, live_server, settings, topics, areas, assert_accessible):
    settings.SITE_URL = live_server.url
    subscriber = SubscriberFactory.create(active=True, topics=[topics[0]])
    ContactPointFactory.create(subscriber=subscriber)
    links = subscription_links(subscriber)

    for url in (
        "/subscribe/sent/?email=1&sms=1",
        links["preferences_url"],
        links["unsubscribe_url"],
        "/unsubscribe/not-a-token/",
    ):
        page.goto(url)
        assert_accessible(page)


def _focused_label(page) -> str:
    return page.evaluate(
        """() => { const el = document.activeElement;
                   const label = el.labels && el.labels[0];
                   return (label ? label.innerText : el.innerText || el.value || '').trim(); }"""
    )


def _tab_to(page, label: str, limit: int = 150) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused_label(page).startswith(label):
            return
    raise AssertionError(f"could not reach {label!r} with the Tab key")


def test_a_resident_can_subscribe_with_the_keyboard_alone(page, topics, areas):
    page.goto("/subscribe/")
    page.mouse.move(0, 0)  # nothing below uses the mouse

    _tab_to(page, "Email address")
    page.keyboard.type("keyboard.user@example.org")
    _tab_to(page, topics[0].name_en)
    page.keyboard.press("Space")
    _tab_to(page, "All of Chicago")
    page.keyboard.press("Space")
    _tab_to(page, "Subscribe")
    # a focused control is visibly outlined (WCAG 2.4.7)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/subscribe/sent/"))
    assert Subscriber.objects.filter(contact_points__value="keyboard.user@example.org").count() == 1
    assert len(mail.outbox) == 1


def test_a_spanish_speaker_subscribes_confirms_changes_and_leaves_with_one_click(
    page, live_server, settings, topics, areas, client
):
    settings.SITE_URL = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])

    # subscribe, in Spanish
    page.goto("/subscribe/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_label("Correo electrónico").fill("vecina@example.org")
    page.get_by_label("Salud").check()
    page.get_by_label("Todo Chicago", exact=False).first.check()
    page.get_by_role("button", name="Suscribirse").click()
    page.wait_for_url(re.compile(r"/subscribe/sent/"))
    subscriber = Subscriber.objects.get()
    assert subscriber.language == "es" and subscriber.status == Subscriber.Status.PENDING

    # the confirmation email is in Spanish and carries the link
    (message,) = mail.outbox
    assert "Confirme su suscripción" in message.subject
    found = re.search(r"https?://\S+/subscribe/confirm/\S+/", str(message.body))
    assert found is not None
    confirm_url = found.group(0)

    # confirm
    page.goto(confirm_url)
    page.get_by_role("button", name="Sí, confirmar mi suscripción").click()
    page.get_by_role("heading", name="Suscripción confirmada").wait_for()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE

    # change preferences without an account
    links = subscription_links(subscriber)
    page.goto(links["preferences_url"])
    page.get_by_label("Presupuesto").check()
    page.get_by_label("Un resumen semanal").check()
    page.get_by_role("button", name="Guardar mis opciones").click()
    page.get_by_text("Sus opciones quedaron guardadas.").wait_for()
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly"
    assert {t.slug for t in subscriber.topics.all()} == {"health", "budget"}

    # the mailbox provider's RFC 8058 one-click POST: no cookies, no CSRF token
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        links["unsubscribe_url"].removeprefix(live_server.url), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert list(
        ConsentRecord.objects.filter(subscriber=subscriber).order_by("id").values_list("action", flat=True)
    ) == ["subscribe", "confirm", "preferences_change", "unsubscribe"]
