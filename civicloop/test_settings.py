"""Settings for the test suite: production settings (DEBUG off) with the secrets it demands."""

import os

# A demo's .env (make run writes one) never changes a test run, nor the processes tests start.
os.environ["CIVICLOOP_ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_COOKIES", "0")
# Playwright's sync API runs an event loop in the test thread; the ORM is still used synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from civicloop.settings import *  # noqa: F403
from civicloop.settings import DATABASES, VAR_DIR

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that start a real worker process share the test database with it.
    # One file per test run, so concurrent runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-civicloop-{os.getpid()}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests only
# Tests sign staff in with force_login; the two-factor tests turn the requirement on themselves.
STAFF_2FA_REQUIRED_ROLES = ()
