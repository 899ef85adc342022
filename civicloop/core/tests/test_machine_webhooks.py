"""Providers' signed webhooks skip the browser's middleware (sessions, CSRF, sign-in, …) but keep the
request log, the security headers and the NUL refusal; every other path goes the usual way."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation

WEBHOOKS = ["/sms/twilio/inbound", "/sms/twilio/status", "/webhooks/meta", "/webhooks/x"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_webhook_reaches_its_view_without_the_browsers_middleware(client, path):
    response = client.post(path, {"Body": "hi"})

    assert response.status_code == 403  # unsigned: the view's own check still answers
    request = response.wsgi_request
    assert request.resolver_match.view_name in {
        "twilio-inbound",
        "twilio-status",
        "meta-webhook",
        "x-webhook",
    }
    assert not hasattr(request, "session") and not hasattr(request, "user")  # no session, no sign-in
    assert "X-Frame-Options" not in response and "Set-Cookie" not in str(response.cookies)
    assert "Content-Security-Policy" not in response  # a page's policy: nothing for a provider's server
    assert response["X-Request-ID"]  # the request log's id still comes back
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs


@pytest.mark.django_db
def test_every_other_path_still_goes_through_all_of_it(client):
    response = client.get("/requests/")

    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session") and hasattr(response.wsgi_request, "user")
    assert response["X-Frame-Options"] == "DENY"


def test_the_webhooks_names_reverse_as_before():
    assert [
        reverse(name) for name in ("twilio-inbound", "twilio-status", "meta-webhook", "x-webhook")
    ] == WEBHOOKS


@pytest.mark.django_db
def test_a_nul_in_a_multipart_field_sent_to_a_webhook_is_still_refused(client):
    response = client.post("/sms/twilio/inbound", {"Body": "bad\x00text"})  # the test client sends multipart

    assert response.status_code == 400
    assert not hasattr(response.wsgi_request, "session")


@pytest.mark.django_db
@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_nul_in_an_urlencoded_form_or_the_query_sent_to_a_webhook_is_still_refused(client, path):
    form = client.post(
        path, urlencode({"Body": "bad\x00text"}), content_type="application/x-www-form-urlencoded"
    )
    query = client.post(f"{path}?x=%00", {})

    assert (form.status_code, query.status_code) == (400, 400)


def test_a_webhook_runs_in_the_citys_default_language_not_the_one_a_previous_request_left(client, settings):
    settings.MACHINE_WEBHOOK_URLCONF = "civicloop.core.tests.machine_webhook_test_urls"
    translation.activate("es")  # as a Spanish page served by this thread just before would leave it

    response = client.post("/webhooks/test-language", {})

    assert response.content == b"en"
    assert not hasattr(response.wsgi_request, "session")  # it went the webhooks' way
