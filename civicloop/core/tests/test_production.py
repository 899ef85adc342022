"""The production profile (deploy/, docs/production.md): its settings pass Django's deploy checks, and
static files are served hashed with a year-long cache."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

PRODUCTION_ENV = Path(__file__).resolve().parents[3] / "deploy" / "production.env.example"


def production_environment() -> dict[str, str]:
    values = {}
    for line in PRODUCTION_ENV.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    keep = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    return {**{k: v for k, v in os.environ.items() if k in keep}, **values, "CIVICLOOP_ENV_FILE": ""}


def test_the_production_example_passes_the_deploy_checks():
    result = subprocess.run(
        [sys.executable, "-m", "civicloop", "check", "--deploy", "--fail-level", "WARNING"],
        env={**production_environment(), "DJANGO_SETTINGS_MODULE": "civicloop.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_behind_a_proxy_https_is_taken_from_x_forwarded_proto():
    snippet = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_SSL_REDIRECT)"
    environment = {**production_environment(), "DJANGO_SETTINGS_MODULE": "civicloop.settings"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {snippet}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') True", result.stderr


@pytest.mark.django_db
def test_static_files_are_served_hashed_and_cached_for_a_year(tmp_path, settings, client):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", "--noinput", verbosity=0)

    page = client.get("/").content.decode()
    hashed = re.findall(r"/static/[\w/.-]+\.[0-9a-f]{12}\.css", page)
    assert hashed, "the page links no hashed stylesheet"
    response = client.get(hashed[0], HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    assert response.get("Content-Encoding") == "gzip"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (CI starts a Redis server)")
def test_with_cache_url_the_rate_limits_are_counted_across_processes():
    scope = f"test-{secrets.token_hex(6)}"
    count_twice = (
        "import django; django.setup(); from civicloop.core.throttling import rate_limit_exceeded; "
        f"print([rate_limit_exceeded(scope='{scope}', subject='resident', limit=3, window_seconds=60) "
        "for _ in range(2)])"
    )
    environment = {
        **production_environment(),
        "DJANGO_SETTINGS_MODULE": "civicloop.settings",
        "CACHE_URL": os.environ["REDIS_URL"],
    }

    def run() -> str:
        result = subprocess.run(
            [sys.executable, "-c", count_twice], env=environment, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    # Two web processes, two requests each: the fourth is over the limit of three.
    assert run() == "[False, False]"
    assert run() == "[False, True]"
