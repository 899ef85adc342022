"""`civicloop bench load` on a small run: residents on every route while an alert's email goes out."""

import json

from django.core.management import call_command

from civicloop.bench.loadmix import FIRST, ROUTES, form_data, form_find, forms_read

PAGE = b"""
<form action="/i18n/setlang/" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">
<select name="language"><option value="en" selected>English</option></select></form>
<form method="post" action="/subscribe/">
  <input type="hidden" name="csrfmiddlewaretoken" value="AbC123">
  <input type="email" name="email"><input type="text" name="website" value="">
  <input type="checkbox" name="topics" value="7"><input type="checkbox" name="topics" value="9">
  <input type="checkbox" name="attr_SEEN" value="ALLEY"><input type="checkbox" name="attr_SEEN" value="YARD">
  <input type="radio" name="frequency" value="immediately"><input type="radio" name="frequency" value="daily">
  <select name="area"><option value="">Choose</option><option value="12">Loop</option></select>
  <textarea name="note">Hello</textarea>
  <button type="submit" name="go">Subscribe</button>
</form>
"""


def test_a_form_is_read_from_its_page_and_posted_back_as_a_browser_would():
    # Given a page with the language switcher and the subscribe form
    forms = forms_read(PAGE)

    # When the subscribe form is found and filled in
    form = form_find(forms, "/subscribe/")
    assert form is not None and form.action == "/subscribe/"
    assert form_find(forms, "/i18n/") is None  # the language switcher is never the one
    data = form_data(form, {"email": "a@example.org", "topics": FIRST}, choose="attr_")

    # Then its hidden token, the values given, the first radio, box and option are posted, no button
    assert data == [
        ("csrfmiddlewaretoken", "AbC123"),
        ("email", "a@example.org"),
        ("website", ""),
        ("topics", "7"),
        ("attr_SEEN", "ALLEY"),
        ("frequency", "immediately"),
        ("area", "12"),
        ("note", "Hello"),
    ]


def test_the_command_drives_every_route_while_the_alert_is_sent(capsys, transactional_db):
    # Given a short run: 10 residents without pauses for 5 seconds, 500 recipients, one server process
    call_command(
        "bench",
        "load",
        *("--residents", "10", "--seconds", "5", "--recipients", "500", "--think-seconds", "0"),
        *("--server-workers", "1"),
    )

    # Then it prints one JSON line
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["suite"] == "load" and report["residents"] == 10
    assert report["server"].startswith("granian ")
    assert {"database", "cpus", "load_average_before", "requests", "seconds"} <= set(report)
    # no server error, and every route exercised and answered
    assert report["errors"] == 0
    assert list(report["routes"]) == ROUTES
    for route, figures in report["routes"].items():
        assert figures["count"] > 0, route
        assert figures["errors"] == 0, route
        assert 0 < figures["p50_ms"] <= figures["p99_ms"], route
        assert figures["rejected"] == 0, (route, figures["statuses"])
    assert report["requests"] == sum(figures["count"] for figures in report["routes"].values())
    # and the send progressed: fanned out to about 500 email addresses, some of them sent
    send = report["send"]
    assert send["problem"] == ""
    assert 500 <= send["recipients"] <= 501
    assert 0 < send["sent"] <= send["recipients"] and send["per_second"] > 0
    assert send["finished"] == (send["sent"] == send["recipients"])
