"""/metrics: Prometheus text, only for the city's scraper; request latency and the database's figures."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from civicloop.delivery.models import Suppression

pytestmark = pytest.mark.django_db
TOKEN = "scrape-" + "t" * 40


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_without_a_token_or_network_there_is_no_metrics_endpoint(client):
    assert client.get("/metrics").status_code == 404


def test_only_the_scraper_with_the_token_reads_the_metrics(client, settings):
    settings.METRICS_TOKEN = TOKEN
    from civicloop.opendata.tasks import refresh_all_datasets

    refresh_all_datasets.enqueue()
    Suppression.objects.create(channel="sms", value="+13125550147", reason=Suppression.Reason.OPTED_OUT)
    client.get("/healthz")

    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    found = samples(response.content)
    healthz = (("method", "GET"), ("route", "healthz"), ("status", "200"))
    assert found[("civicloop_request_duration_seconds_count", healthz)] >= 1
    assert found[("civicloop_tasks_ready", (("backend", "database"),))] == 1
    assert found[("civicloop_sms_opt_outs", ())] == 1
    assert found[("civicloop_suppressions", (("channel", "sms"), ("reason", "opted_out")))] == 1
    # No phone number or email in what is scraped.
    assert "3125550147" not in response.content.decode()


def test_a_scraper_on_an_allowed_network_needs_no_token(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.10").status_code == 403
