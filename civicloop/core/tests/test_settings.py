import os
import subprocess
import sys

import pytest

SNIPPET = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='civicloop.settings'; django.setup()"


def _start(env_overrides: dict[str, str], snippet: str = SNIPPET) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", snippet], env=env, capture_output=True, text=True, check=False
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


def test_a_dotenv_file_is_read_and_the_environment_wins_over_it(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DEBUG=0\nSECRET_KEY={'f' * 50}\nALLOWED_HOSTS=from-file.example.org\n")
    show = (
        SNIPPET + "; from django.conf import settings; print(settings.ALLOWED_HOSTS, settings.SECRET_KEY[:3])"
    )

    from_file = _start({"CIVICLOOP_ENV_FILE": str(env_file)}, show)
    environment_too = _start(
        {"CIVICLOOP_ENV_FILE": str(env_file), "ALLOWED_HOSTS": "from-env.example.org"}, show
    )
    no_file = _start({"CIVICLOOP_ENV_FILE": ""}, show)

    assert from_file.stdout.split() == ["['from-file.example.org']", "fff"], from_file.stderr
    assert environment_too.stdout.split() == ["['from-env.example.org']", "fff"], environment_too.stderr
    assert no_file.returncode != 0 and "ImproperlyConfigured" in no_file.stderr
