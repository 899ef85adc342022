import json

import pytest
from django.conf import settings
from django.core.management import call_command

from civicloop.delivery.bench import run_fanout
from civicloop.delivery.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = {
    "subscribers",
    "deliveries",
    "fanout_seconds",
    "fanout_per_second",
    "email_per_second",
    "email_workers",
    "smtp_server",
    "sms_per_second",
    "peak_rss_mb",
    "database",
}


def test_the_fanout_benchmark_measures_a_small_city_end_to_end():
    result = run_fanout(subscribers=300, naive=False, send_seconds=1, settings=settings)

    report = result.as_json()
    assert set(report) == KEYS
    # 80 % have an email and 40 % a mobile number: an urgent alert reaches every one of them
    assert report["deliveries"] == 240 + 120 == Delivery.objects.count()
    assert report["email_per_second"] > 0 and report["sms_per_second"] > 0
    assert Delivery.objects.filter(status="sent").count() > 0


def test_two_email_workers_share_the_send_and_aiosmtpd_still_serves():
    result = run_fanout(
        subscribers=300,
        naive=False,
        send_seconds=1,
        settings=settings,
        email_workers=2,
        smtp_server="aiosmtpd",
    )

    report = result.as_json()
    assert report["email_workers"] == 2 and report["smtp_server"] == "aiosmtpd"
    assert report["email_per_second"] > 0
    assert Delivery.objects.filter(channel="email", status="sent").count() > 0


def test_naive_and_set_based_fan_out_create_the_same_deliveries():
    naive = run_fanout(subscribers=100, naive=True, send_seconds=0, settings=settings)

    assert naive.deliveries == 80 + 40


def test_the_command_prints_one_json_line(capsys):
    call_command("bench", "fanout", "--subscribers", "50", "--send-seconds", "0")

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and set(json.loads(lines[0])) == KEYS
