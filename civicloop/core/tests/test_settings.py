import os
import subprocess
import sys

import pytest

SNIPPET = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='civicloop.settings'; django.setup()"


def _start(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "overrides",
    [{"DEBUG": "0"}, {"DEBUG": "0", "SECRET_KEY": "s" * 50}, {"DEBUG": "0", "ALLOWED_HOSTS": "example.org"}],
)
def test_with_debug_off_it_refuses_to_start_without_secret_key_and_hosts(overrides):
    result = _start(overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_with_debug_off_it_starts_with_secret_key_and_hosts():
    assert _start({"DEBUG": "0", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "example.org"}).returncode == 0
