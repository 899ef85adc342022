"""What /metrics reports about sending (core/metrics.py): read from the database at each scrape."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from civicloop.delivery.models import Delivery, Suppression


def delivery_metrics() -> Iterable[Metric]:
    deliveries = GaugeMetricFamily(
        "civicloop_deliveries", "Deliveries by channel and status", labels=["channel", "status"]
    )
    for channel, status, count in (
        Delivery.objects.values_list("channel", "status").annotate(count=Count("pk")).order_by()
    ):
        deliveries.add_metric([channel, status], count)
    yield deliveries
    # Waiting for a retry after the provider refused or did not answer: the provider's trouble, now.
    retrying = GaugeMetricFamily(
        "civicloop_deliveries_retrying_after_provider_error",
        "Deliveries queued again after a provider error, by channel",
        labels=["channel"],
    )
    waiting = Delivery.objects.filter(status=Delivery.Status.QUEUED, attempts__gt=0).exclude(error="")
    for channel, count in waiting.values_list("channel").annotate(count=Count("pk")).order_by():
        retrying.add_metric([channel], count)
    yield retrying
    suppressed = GaugeMetricFamily(
        "civicloop_suppressions",
        "Addresses and numbers never sent to, by channel and reason",
        labels=["channel", "reason"],
    )
    counts = Suppression.objects.values_list("channel", "reason").annotate(count=Count("pk")).order_by()
    opt_outs = 0
    for channel, reason, count in counts:
        suppressed.add_metric([channel, reason], count)
        if (channel, reason) == ("sms", Suppression.Reason.OPTED_OUT):
            opt_outs = count  # the same figure, under the name operators look for: no second query
    yield suppressed
    yield GaugeMetricFamily(
        "civicloop_sms_opt_outs", "Numbers that texted STOP (or said so in words)", value=opt_outs
    )
