"""Every process (web worker, task worker, `civicloop opendata refresh`) starts with all apps and URLs
loaded: libraries only a few requests need are imported when first used, so they cost those requests,
not every process's memory (the open-data refresh has a 200 MB budget, docs/benchmarks.md)."""

import os
import subprocess
import sys

# Imported on first use only: py_webauthn (~28 MB with its cryptography parts) by a passkey ceremony,
# moderation.coordinated by a look for coordinated voting.
LOADED_WHEN_USED = ("webauthn", "civicloop.accounts.passkeys", "civicloop.moderation.coordinated")

PROBE = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
print(" ".join(name for name in sys.argv[1:] if name in sys.modules))
"""


def test_a_started_process_has_not_imported_what_only_a_few_requests_need() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicloop.settings", "DEBUG": "1"}
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *LOADED_WHEN_USED],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == []


def test_the_probe_names_modules_that_were_imported() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicloop.settings", "DEBUG": "1"}
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, "django", "civicloop.engage.selectors"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == ["django", "civicloop.engage.selectors"]
