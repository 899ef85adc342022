"""Settings come from environment variables; defaults suit a local demo (see .env.example).

Kept as one module: Django reads its settings from one module, and a reader finds every setting here.

A ``.env`` file at the checkout's root (``make run`` writes one for the demo) is read first, without
overriding what the environment already says; ``CIVICLOOP_ENV_FILE`` names another file, or none when
empty (the test suite's choice, so a demo's file never changes a test run).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
ENV_FILE = os.environ.get("CIVICLOOP_ENV_FILE", str(PROJECT_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)
VAR_DIR = Path(os.environ.get("CIVICLOOP_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    # A local demo only: never used with DEBUG off.
    SECRET_KEY = SECRET_KEY or "insecure-local-demo-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("With DEBUG off, SECRET_KEY must be set (32+ characters).")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("With DEBUG off, ALLOWED_HOSTS must be set.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address used in emails, feeds and calendars.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CITY_NAME = os.environ.get("CITY_NAME", "City of Chicago")
CITY_NAME_ES = os.environ.get("CITY_NAME_ES", "Ciudad de Chicago")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "civicloop.core",
    "civicloop.accounts",
    "civicloop.places",
    "civicloop.topics",
    "civicloop.announcements",
    "civicloop.subscriptions",
    "civicloop.integrations",
    "civicloop.delivery",
    "civicloop.servicerequests",
    "civicloop.engage",
    "civicloop.directory",
    "civicloop.moderation",
    "civicloop.assistant",
    "civicloop.deliberation",
    "civicloop.insights",
    "civicloop.opendata",
    "civicloop.records",
    # On top: they use the domain apps, and no app uses them.
    "civicloop.demo",
    "civicloop.bench",
    "corsheaders",
]

# The 400 for a request holding a NUL character (core/null_bytes.py), in the dialect of the interface under
# each path prefix: dotted path of a function (status, description, "xml" or "json") -> HttpResponse.
NULL_BYTES_ERROR_RENDERERS = {"/open311/": "civicloop.servicerequests.open311_render.error_response"}

# What `civicloop worker` calls at start, in this order (dotted paths): each app books its own schedules,
# so core's worker command imports no domain app.
WORKER_START_HOOKS = [
    # A worker that died mid-send left deliveries leased and no task to finish them.
    "civicloop.delivery.tasks.resume_unfinished_sends",
    "civicloop.delivery.tasks_digests.digests_schedule",  # each digest frequency has its next run waiting
    "civicloop.assistant.tasks_inbox.social_mentions_schedule",  # the staff inbox polls the social accounts
    "civicloop.assistant.tasks_inbox.auto_resolve_schedule",  # quiet pending inbox conversations are resolved
    "civicloop.opendata.tasks.opendata_schedule",  # open-data exports refresh on each dataset's schedule
    "civicloop.insights.tasks.insights_schedule",  # the dashboards' figures are recomputed every hour
    "civicloop.core.tasks.retention_schedule",  # personal data past its retention period is forgotten daily
    "civicloop.directory.tasks.directory_reviews_schedule",  # owners hear of entries due for review daily
]

MIDDLEWARE = [
    # First: each request's id on every log line it causes, and its one log line (core/logs.py).
    "civicloop.core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Providers' signed webhooks go straight to their view from here (NUL refused): nothing below runs.
    "civicloop.core.machine_webhooks.MachineWebhookMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware: answers preflight and marks open-data and API GETs readable from any origin.
    "corsheaders.middleware.CorsMiddleware",
    # Before anything reads the database: PostgreSQL cannot hold text with a NUL character.
    "civicloop.core.null_bytes.NullBytesRefusedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a two-factor code (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: idle and absolute expiry, then the second factor, then the audit log of changes.
    "civicloop.accounts.middleware.StaffSessionExpiryMiddleware",
    "civicloop.accounts.middleware.StaffSecondFactorMiddleware",
    "civicloop.accounts.middleware.StaffAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused for too many failures into the locked-out page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicloop.urls"
MACHINE_WEBHOOK_URLCONF = "civicloop.machine_webhook_urls"  # core/machine_webhooks.py
WSGI_APPLICATION = "civicloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicloop.core.context_processors.site",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'civicloop.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes first: it refuses a sign-in while its username or network address is locked out
# (authenticate() must be given the request), then Django checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Background tasks. "database" (the default) keeps the queue in the database: one machine, nothing else
# to run. "rq" keeps it in Redis (REDIS_URL) for many workers on many machines (docs/scale-out.md).
# A dotted backend path is still accepted, as before.
TASK_BACKEND_PATHS = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "").strip() or "database"
if TASKS_BACKEND not in TASK_BACKEND_PATHS and "." not in TASKS_BACKEND:
    raise ImproperlyConfigured("TASKS_BACKEND must be 'database', 'rq' or a dotted backend path.")
TASKS = {
    "default": {
        "BACKEND": TASK_BACKEND_PATHS.get(TASKS_BACKEND, TASKS_BACKEND),
        "QUEUES": ["default"],
    }
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# django-rq's queues, read by the "rq" backend only. A delivery sender runs for up to its time budget
# plus a batch: RQ's own default job timeout (180 s) must not kill it mid-send.
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900}}
if TASKS["default"]["BACKEND"] == TASK_BACKEND_PATHS["rq"]:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# "default" holds rate-limit counters; "open311" holds rendered Open311 lists, keyed by the requests'
# version so they are never stale (servicerequests/open311_cache.py). Per process, unless CACHE_URL
# names a Redis server: then both are shared by every web process (production: the rate limits count
# each client once, whichever process answers it).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "civicloop",
        },
        "open311": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "civicloop-open311",
            "TIMEOUT": 600,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "open311": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "open311",
            "TIMEOUT": 600,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }

LANGUAGE_CODE = "en"
# The city's languages: English, Spanish, and the languages Chicago's Language Access Ordinance names.
# A seventh is one line here plus its catalogue (docs/languages.md).
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pl", _("Polish")),
    ("zh-hans", _("Chinese (Simplified)")),
    ("hi", _("Hindi")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
# STATIC_MANIFEST=1 (production, after `civicloop collectstatic`): hashed, compressed file names that
# whitenoise serves with a year-long, immutable cache header. Off by default: the demo and the tests
# serve the source files as they are (no collectstatic step).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "sent-email"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP connection waits for the server (None in Django: a hung server would hold a sender forever).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
# An email provider through Anymail: EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend and its
# settings as ANYMAIL_<NAME> variables (e.g. ANYMAIL_MAILGUN_API_KEY), never in code.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_")
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Chicago Updates <updates@civicloop.local>")

# Delivery engine (the outbox). Rates are messages per second per worker; 0 means no limit.
DELIVERY_BATCH_SIZE = int(os.environ.get("DELIVERY_BATCH_SIZE", "200"))
DELIVERY_LEASE_SECONDS = float(os.environ.get("DELIVERY_LEASE_SECONDS", "120"))
# A send task hands over after this long (re-enqueuing itself), so an urgent alert never waits behind it.
DELIVERY_TIME_BUDGET = float(os.environ.get("DELIVERY_TIME_BUDGET", "30"))
# On PostgreSQL, a large fan-out runs in this many concurrent chunks (by subscriber id range).
DELIVERY_FANOUT_PARALLEL = int(os.environ.get("DELIVERY_FANOUT_PARALLEL", "2"))
DELIVERY_FANOUT_PARALLEL_FROM = int(os.environ.get("DELIVERY_FANOUT_PARALLEL_FROM", "100000"))
# Sender tasks enqueued per channel for each announcement, so a large send spreads over the workers.
DELIVERY_SENDERS_PER_CHANNEL = int(os.environ.get("DELIVERY_SENDERS_PER_CHANNEL", "2"))
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "6"))
DELIVERY_RETRY_BASE_SECONDS = float(os.environ.get("DELIVERY_RETRY_BASE_SECONDS", "30"))
DELIVERY_RETRY_CAP_SECONDS = float(os.environ.get("DELIVERY_RETRY_CAP_SECONDS", "3600"))
DELIVERY_SUPPRESS_AFTER_FAILURES = int(os.environ.get("DELIVERY_SUPPRESS_AFTER_FAILURES", "2"))
DELIVERY_RATE_LIMITS = {
    "email": float(os.environ.get("EMAIL_RATE_PER_SECOND", "0")),
    "sms": float(os.environ.get("SMS_RATE_PER_SECOND", "10")),
}
# Digests (local TIME_ZONE, 24-hour HH:MM): daily every day, weekly on DIGEST_WEEKLY_DAY.
DIGEST_DAILY_TIME = os.environ.get("DIGEST_DAILY_TIME", "07:00")
DIGEST_WEEKLY_DAY = os.environ.get("DIGEST_WEEKLY_DAY", "monday")
DIGEST_WEEKLY_TIME = os.environ.get("DIGEST_WEEKLY_TIME", "07:00")
# Parallel SMTP connections per worker: sending is mostly waiting for the server's replies.
EMAIL_PARALLEL_CONNECTIONS = int(os.environ.get("EMAIL_PARALLEL_CONNECTIONS", "4"))

# Text messages: "console" prints them (development); "twilio" sends through Twilio's Messages API.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")  # also verifies status callback signatures
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://api.twilio.com")
# The city's WhatsApp sender on Twilio, "whatsapp:+1…" (or a Messaging Service with a WhatsApp sender).
TWILIO_WHATSAPP_FROM = os.environ.get("TWILIO_WHATSAPP_FROM", "")
# Non-urgent texts wait until this local window ends (empty: no quiet hours); urgent alerts never wait.
SMS_QUIET_HOURS = os.environ.get("SMS_QUIET_HOURS", "21:00-08:00")
SMS_MAX_SEGMENTS = int(os.environ.get("SMS_MAX_SEGMENTS", "3"))
# The city's social accounts (optional): announcements ticked "post to social" go to each configured one.
MASTODON_BASE_URL = os.environ.get("MASTODON_BASE_URL", "").rstrip("/")
MASTODON_ACCESS_TOKEN = os.environ.get("MASTODON_ACCESS_TOKEN", "")
BLUESKY_PDS_URL = os.environ.get("BLUESKY_PDS_URL", "https://bsky.social").rstrip("/")
BLUESKY_HANDLE = os.environ.get("BLUESKY_HANDLE", "")
BLUESKY_APP_PASSWORD = os.environ.get("BLUESKY_APP_PASSWORD", "")
# The city's Facebook Page, Instagram and X accounts: posting (announcements) and listening (the webhooks
# at /webhooks/meta and /webhooks/x). An unset webhook secret refuses every request (403).
META_GRAPH_URL = os.environ.get("META_GRAPH_URL", "https://graph.facebook.com/v21.0").rstrip("/")
META_VERIFY_TOKEN = os.environ.get("META_VERIFY_TOKEN", "")
META_APP_SECRET = os.environ.get("META_APP_SECRET", "")
FACEBOOK_PAGE_ID = os.environ.get("FACEBOOK_PAGE_ID", "")
FACEBOOK_PAGE_ACCESS_TOKEN = os.environ.get("FACEBOOK_PAGE_ACCESS_TOKEN", "")
# Instagram publishes with the token of the Facebook Page its professional account is linked to.
INSTAGRAM_ACCOUNT_ID = os.environ.get("INSTAGRAM_ACCOUNT_ID", "")
X_API_URL = os.environ.get("X_API_URL", "https://api.x.com").rstrip("/")
X_ACCESS_TOKEN = os.environ.get("X_ACCESS_TOKEN", "")
# An OAuth 2.0 app that refreshes the user token (X's last two hours): its client id and secret and a
# first refresh token (then the ones X rotates in, stored by integrations.ProviderToken).
X_CLIENT_ID = os.environ.get("X_CLIENT_ID", "")
X_CLIENT_SECRET = os.environ.get("X_CLIENT_SECRET", "")
X_REFRESH_TOKEN = os.environ.get("X_REFRESH_TOKEN", "")
X_USER_ID = os.environ.get("X_USER_ID", "")
X_CONSUMER_SECRET = os.environ.get("X_CONSUMER_SECRET", "")
# Polling X mentions (where the city's API tier has no webhooks) needs X_USER_ID and a bearer token.
X_BEARER_TOKEN = os.environ.get("X_BEARER_TOKEN", "")
# The language the city's accounts post in (an announcement without a text in it is posted in English).
SOCIAL_LANGUAGE = os.environ.get("SOCIAL_LANGUAGE", "en")
# The demo's stand-in for unconfigured networks: their posts are written here as JSON files (make run).
SOCIAL_FILE_DIR = os.environ.get("SOCIAL_FILE_DIR", "")
# The demo's staff page that sends residents' messages as each network would (make run sets it).
DEMO_RESIDENT_MESSAGES = os.environ.get("DEMO_RESIDENT_MESSAGES", "") == "1"
# The assistant (texts and /assistant/): a conversation idle this long forgets the step it was at.
ASSISTANT_IDLE_MINUTES = float(os.environ.get("ASSISTANT_IDLE_MINUTES", "120"))
# How often the worker asks the city's social accounts for new replies and mentions (the staff inbox).
SOCIAL_INBOX_POLL_SECONDS = float(os.environ.get("SOCIAL_INBOX_POLL_SECONDS", "120"))

# The inbox as a service desk: a conversation waiting for the resident this long with no message is resolved.
INBOX_AUTO_RESOLVE_HOURS = float(os.environ.get("INBOX_AUTO_RESOLVE_HOURS", "72"))
# Service-desk targets, in the city's business hours (its time zone; public holidays count as working days):
# the first reply from a member of staff, and resolved, counted from the resident's first message.
INBOX_BUSINESS_HOURS = os.environ.get("INBOX_BUSINESS_HOURS", "Mon-Fri 08:30-17:00")
INBOX_FIRST_REPLY_SLA_HOURS = float(os.environ.get("INBOX_FIRST_REPLY_SLA_HOURS", "4"))
INBOX_RESOLUTION_SLA_HOURS = float(os.environ.get("INBOX_RESOLUTION_SLA_HOURS", "24"))
# The mailto: half of List-Unsubscribe (defaults to unsubscribe@<site host>).
UNSUBSCRIBE_MAILTO = os.environ.get("UNSUBSCRIBE_MAILTO", "")

# Open data (issue 14): exports are written under OPENDATA_ROOT, one folder per dataset, and swapped in
# whole. Aggregates counting fewer than OPENDATA_MIN_CELL people are published empty (k-anonymity).
OPENDATA_ROOT = Path(os.environ.get("OPENDATA_ROOT", VAR_DIR / "opendata"))
OPENDATA_MIN_CELL = int(os.environ.get("OPENDATA_MIN_CELL", "10"))
# Processes that write a large dataset's CSV side by side (datasets of 50,000 rows or more).
OPENDATA_EXPORT_PROCESSES = int(os.environ.get("OPENDATA_EXPORT_PROCESSES", str(os.cpu_count() or 1)))
OPENDATA_PUBLISHER = os.environ.get("OPENDATA_PUBLISHER", "City of Chicago")
OPENDATA_CONTACT_NAME = os.environ.get("OPENDATA_CONTACT_NAME", "Open Data Team")
OPENDATA_CONTACT_EMAIL = os.environ.get("OPENDATA_CONTACT_EMAIL", "opendata@civicloop.local")
OPENDATA_LICENSE = os.environ.get("OPENDATA_LICENSE", "https://opendatacommons.org/licenses/pddl/1-0/")
# Public reads (open data, the JSON API) may be fetched from any origin's scripts; nothing else.
CORS_URLS_REGEX = r"^/(api/|data\.json$|resource/|opendata/)"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False

# Staff sign-in throttling (django-axes), at /staff/login/ and the admin's login alike: after
# STAFF_LOGIN_FAILURE_LIMIT failed sign-ins for one username, or from one network address (whichever
# comes first), further sign-ins for it are refused with HTTP 429 until STAFF_LOGIN_COOLOFF_MINUTES
# pass with no new attempt. A successful sign-in clears that account's failures.
STAFF_LOGIN_FAILURE_LIMIT = int(os.environ.get("STAFF_LOGIN_FAILURE_LIMIT", "10"))
STAFF_LOGIN_COOLOFF_MINUTES = int(os.environ.get("STAFF_LOGIN_COOLOFF_MINUTES", "15"))
if STAFF_LOGIN_FAILURE_LIMIT < 1 or STAFF_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("STAFF_LOGIN_FAILURE_LIMIT and STAFF_LOGIN_COOLOFF_MINUTES must be 1 or more.")
AXES_ENABLED = True
AXES_FAILURE_LIMIT = STAFF_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=STAFF_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lockout restarts the cool-off, so "try again in N minutes" is exact.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# The database handler, except that a success clears only the signed-in account's failures (not every
# failure from its address, which would let one valid account reset the count against another).
AXES_HANDLER = "civicloop.accounts.login_throttle.StaffLoginAttemptsHandler"
AXES_LOCKOUT_CALLABLE = "civicloop.accounts.views.login_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Axes sees (and stores in its AccessAttempt rows) a keyed pseudonym of REMOTE_ADDR (of its /64 for
# IPv6), never the address; X-Forwarded-For is not trusted (behind a proxy, the proxy must set
# REMOTE_ADDR to the client).
AXES_CLIENT_IP_CALLABLE = "civicloop.core.throttling.client_address_pseudonym"
# No AccessLog row for every successful sign-in (the audit trail is accounts.StaffSecurityEvent);
# AccessAttempt rows are deleted at the first sign-in after their cool-off.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Its log lines show the path only: usernames and addresses are masked.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

# Staff single sign-on by OpenID Connect (the city's Entra ID, Okta, Google Workspace...): on when the
# client id is set, and then the secret and the provider's endpoints must be set too. Accounts are
# matched on the provider's `sub`; the role comes from the groups claim at every sign-in, by
# OIDC_ROLE_GROUPS ("admin=<group>,moderator=<group>,communications=<group>,department=<group>", a role
# may repeat; the highest role wins; nobody in none of them may sign in). docs/production.md.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_NAMES = ("admin", "moderator", "communications", "department")
OIDC_ROLE_GROUPS: dict[str, tuple[str, ...]] = {}
for _pair in env_list("OIDC_ROLE_GROUPS"):
    _role, _equals, _group = (part.strip() for part in _pair.partition("="))
    if _role not in OIDC_ROLE_NAMES or not _group:
        raise ImproperlyConfigured(f"OIDC_ROLE_GROUPS: {_pair!r} is not <role>=<group> with a staff role.")
    OIDC_ROLE_GROUPS[_role] = (*OIDC_ROLE_GROUPS.get(_role, ()), _group)
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_ROLE_GROUPS",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(f"With OIDC_RP_CLIENT_ID set, set {', '.join(_missing)} too.")
    AUTHENTICATION_BACKENDS.append("civicloop.accounts.oidc.CityOIDCBackend")
OIDC_AUTHENTICATION_CALLBACK_URL = "staff:oidc-callback"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_REDIRECT_FIELD_NAME = "next"

# Two-factor sign-in (TOTP, django-otp): staff with these roles who sign in with a password must give a
# code from an authenticator app before anything else (single sign-on leaves that to the provider).
STAFF_2FA_REQUIRED_ROLES = tuple(env_list("STAFF_2FA_REQUIRED_ROLES", "admin,moderator"))
# The domain staff passkeys belong to (WebAuthn relying party id); empty: the host the page was reached on.
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", CITY_NAME)
# Wrong codes: 1, 2, 4, 8... seconds before the next try on that device.
OTP_TOTP_THROTTLE_FACTOR = 1
# The admin site never shows a device's secret or QR code (an admin could copy a colleague's app).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff sessions end after this long without a request, and this long after sign-in whatever happens.
STAFF_SESSION_IDLE_MINUTES = float(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "30"))
STAFF_SESSION_MAX_HOURS = float(os.environ.get("STAFF_SESSION_MAX_HOURS", "12"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp) on every response: scripts and styles only from the site's own
# files (no inline script, event handler, style attribute or eval), images from the site (residents'
# photos under MEDIA_URL) and data: URLs, no plugins, no framing, forms post only to the site.
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only instead (the browser
# reports violations in its console but blocks nothing), to try a change before enforcing it.
CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
_csp_report_only = env_bool("CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY = None if _csp_report_only else {"DIRECTIVES": CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": CSP_DIRECTIVES} if _csp_report_only else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Served over HTTPS only (docs/production.md): HSTS and the redirect to https are off unless set, so a
# plain-HTTP demo or a first install never tells browsers to refuse the site without HTTPS.
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", False)
# The load balancer's probes reach the app over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients' requests).
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

# Every log line goes through one handler whose filter blanks signed links and secrets
# (core/log_redaction.py): Django's request lines and errors and the web servers' access logs are routed
# to it instead of their own handlers.
# Retention (core/retention.py, a daily task), in days; 0 keeps forever. What residents texted (bodies
# and pictures of SMS and chat messages; the conversation's record stays), the keyed hashes of network
# addresses (supports, staff sign-in events), and subscriptions never confirmed (deleted).
RETENTION_MESSAGE_BODY_DAYS = int(os.environ.get("RETENTION_MESSAGE_BODY_DAYS", "365"))
RETENTION_NETWORK_KEY_DAYS = int(os.environ.get("RETENTION_NETWORK_KEY_DAYS", "90"))
RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS = int(os.environ.get("RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS", "30"))

# /metrics (Prometheus) answers a scraper with this bearer token, or from these networks (CIDR, by
# REMOTE_ADDR); with neither set it does not exist.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")

# LOG_FORMAT=json (production): one JSON object per line with the request's id (core/logs.py); the
# default is plain text. LOG_REQUESTS: one line per request (on by default with JSON). Either way,
# email addresses and phone numbers are masked in every line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "civicloop.core.logs.RequestIdFilter"},
        "redact_secrets": {"()": "civicloop.core.log_redaction.RedactSecrets"},
        "mask_contact_details": {"()": "civicloop.core.logs.MaskContactDetails"},
    },
    "formatters": {"json": {"()": "civicloop.core.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact_secrets", "mask_contact_details"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        name: {"handlers": [], "propagate": True}
        for name in ("django", "django.server", "gunicorn.error", "gunicorn.access", "granian.access")
    },
}
