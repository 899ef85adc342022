"""The scan every test gets (civicloop/conftest.py): no contact detail in any log line a test causes."""

import logging

from civicloop.conftest import log_contact_details


def test_the_scan_finds_an_email_address_and_a_phone_number():
    found = log_contact_details(["reply sent to ana.perez@example.org", "texted (312) 555-0142 at 9:14"])

    assert found == ["ana.perez@example.org", "(312) 555-0142"]
    assert log_contact_details(["Not Found: /requests/26-99999999/follow/", "took 1432.5 ms", "200"]) == []


def test_what_a_logger_writes_reaches_the_scan_masked(_log_lines):
    logging.getLogger("civicloop.tests").warning(
        "could not text %s or mail %s", "+13125550142", "ana@example.org"
    )

    assert _log_lines.lines and "could not text" in _log_lines.lines[-1]
    assert log_contact_details(_log_lines.lines) == []
    _log_lines.lines.clear()
