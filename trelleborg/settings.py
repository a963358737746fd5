"""Settings for EOR, driven by the environment only (see DESIGN.md "Configuration").

With nothing set the app is whole: SQLite in the project root and Celery running tasks
eagerly in-process. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_date(name: str, default: dt.date) -> dt.date:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a date (YYYY-MM-DD), got {raw!r}") from exc


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_rate(name: str, default: str) -> str:
    """A rate "N/period": N requests per period, e.g. 300/m or 20/10m (s, m, h, d)."""
    raw = (os.environ.get(name) or "").strip() or default
    if not re.fullmatch(r"[1-9][0-9]*/[1-9]?[0-9]*(s|m|h|d)", raw):
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 300/m or 20/10m (s, m, h, d), got {raw!r}"
        )
    return raw


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (see .env.example)")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "goals",
    "cases",
    "reports",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "integrations.middleware.ApiAuditMiddleware",
]

ROOT_URLCONF = "trelleborg.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "goals.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "trelleborg.wsgi.application"
ASGI_APPLICATION = "trelleborg.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while an import or eager rollup writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js from the plotly package's own file (vendor/plotly/plotly.min.js), no CDN
    "reports.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only when it finishes, and re-queued if its worker dies, so a
# rollup killed mid-way runs again. Retries back off below the visibility timeout.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}  # filled by the apps (see trelleborg/celery.py)
# Integrations' organisation-wide recomputations (seconds for a large organisation, one per
# burst of changes) run on a queue of their own, so a logged exit's dashboard refresh never
# waits behind one: `worker -Q celery` and `worker -Q integrations` (docker-compose runs both).
CELERY_TASK_ROUTES = {"integrations.*": {"queue": "integrations"}}

# --- Cache: Redis when there is one, so that coalescing works across processes -----------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # {% cache %} fragments (the blank exit and event forms) stay in each process's memory:
    # cheaper than a Redis round trip, and a page never fails because Redis is away.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "eor-template-fragments",
    },
}

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "eor@localhost")
# The SMTP relay (used by the SMTP backend, the default without DEBUG).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # seconds: a stuck relay must not hang a worker

# --- Sessions and cookies -------------------------------------------------------------------
SESSION_COOKIE_AGE = 12 * 60 * 60
# The cookie ends with the browser; the idle and absolute limits still hold (audit.sessions).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the <body> attribute, not the cookie
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Product settings -----------------------------------------------------------------------
# Leadership pages show no median/p90 over fewer durations than this (small-number rule).
EOR_MIN_DURATIONS_FOR_PERCENTILES = env_int("EOR_MIN_DURATIONS_FOR_PERCENTILES", 5)
# Exports of monthly figures. An export meant for a wider audience than signed-in staff
# masks counts under 5 as "<5" (Swedish official statistics practice) and every median/p90
# over fewer durations than the threshold above, whoever downloads it.
EOR_EXPORTS = {
    "monthly": {"mask_small_counts": False},
    "monthly_public": {"mask_small_counts": True},
}
EOR_SMALL_COUNT_THRESHOLD = env_int("EOR_SMALL_COUNT_THRESHOLD", 5)
# Day of the month by which next month's plans and EOR should be set (reminders).
EOR_REMINDER_DAY = env_int("EOR_REMINDER_DAY", 25)
# Largest accepted upload for the event import page, in bytes.
EOR_MAX_UPLOAD_BYTES = env_int("EOR_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# The JSON API: largest request body in bytes, and most events in one batch.
EOR_API_MAX_BODY_BYTES = env_int("EOR_API_MAX_BODY_BYTES", 5 * 1024 * 1024)
EOR_API_MAX_BATCH_ROWS = env_int("EOR_API_MAX_BATCH_ROWS", 10_000)
# API rate limits, "N/period" (s, m, h, d; "20/10m" is 20 per ten minutes), counted in the
# cache (integrations.throttling): per token, per client address (every request, before the
# token is checked), and requests without a valid token per address.
EOR_API_RATE_PER_TOKEN = env_rate("EOR_API_RATE_PER_TOKEN", "300/m")
EOR_API_RATE_PER_ADDRESS = env_rate("EOR_API_RATE_PER_ADDRESS", "600/m")
EOR_API_BAD_TOKENS_PER_ADDRESS = env_rate("EOR_API_BAD_TOKENS_PER_ADDRESS", "20/10m")
# No event may be dated before this, on any path (page, admin, import, API): one stray
# 0001-01-01 would make the rollup span two thousand years.
EOR_EARLIEST_EVENT_DATE = env_date("EOR_EARLIEST_EVENT_DATE", dt.date(2000, 1, 1))

# --- Security: sign-in, sessions, headers, audit (issue 6; the audit app wires it) ---------
INSTALLED_APPS += ["trelleborg.axes_app.AxesConfig", "auditlog", "csp", "audit"]
# Order matters: the session checks need the user and messages; axes must be last.
MIDDLEWARE += [
    "audit.sessions.SessionTimeoutMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "audit.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Behind N reverse proxies of our own, the client address is the N-th X-Forwarded-For entry
# from the right (audit.net.client_ip); with 0 the header is ignored (it can be forged).
EOR_TRUSTED_PROXY_COUNT = env_int("EOR_TRUSTED_PROXY_COUNT", 0)
# A TLS-terminating proxy tells Django the original scheme (set only behind such a proxy).
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Lock-out (django-axes): N failed sign-ins for one username from one IP address lock that
# pair for the cool-off; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "audit.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures per user name and address, and per address across user names (audit.lockout).
EOR_LOGIN_FAILURE_LIMIT = env_int("EOR_LOGIN_FAILURE_LIMIT", 5)
EOR_LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("EOR_LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20)
AXES_FAILURE_LIMIT = "audit.lockout.failure_limit"
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("EOR_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "audit.net.client_ip"
AXES_VERBOSE = False

# Sessions end after 30 idle minutes and 12 hours in all (audit.sessions), and when the
# account is deactivated. Passwords: see AUTH_PASSWORD_VALIDATORS above.
EOR_SESSION_IDLE_SECONDS = env_int("EOR_SESSION_IDLE_SECONDS", 30 * 60)
EOR_SESSION_MAX_SECONDS = SESSION_COOKIE_AGE
SESSION_COOKIE_SAMESITE = "Lax"

# HTTPS in production. The tests set SECURE_SSL_REDIRECT=false (tests/testenv.py).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading commits the whole registrable domain (the municipality's, not ours) to
    # HTTPS in every browser: the domain owner's decision, so it is opt-in by environment.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): scripts and styles only from our own origin, no
# inline script or style, no eval (htmx runs with allowEval false, see base.html). plotly.js
# would inject <style> elements; the dashboards link its base CSS as a file under the ids it
# looks for, so it injects none (reports/plotly_css.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Audit trail: django-auditlog with our entry model (unit and write path on every entry).
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEntry"
# auditlog's own migrations create its (here swapped-out) table anyway, and a table no model
# owns breaks the flush between transactional tests on PostgreSQL. Unmigrated, the app
# creates no table for its swapped model.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False
# auditlog's own migrations create its LogEntry table even though our model replaces it;
# that orphan table's foreign key to auth_user then breaks flushes (TRUNCATE) on PostgreSQL.
# The app needs no table of its own, so it runs unmigrated.
MIGRATION_MODULES = {"auditlog": None}

# Optional OpenID Connect sign-in (the municipality's identity provider), off unless
# OIDC_RP_CLIENT_ID is set. Users are matched to existing accounts by a claim, never
# created and never given roles (audit.oidc).
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
EOR_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if EOR_OIDC_ENABLED:
    _oidc_required = [
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
    ]
    _missing = [name for name in _oidc_required if not os.environ.get(name)]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set but not {', '.join(_missing)}")
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    if OIDC_RP_SIGN_ALGO.startswith("RS") and not OIDC_OP_JWKS_ENDPOINT:
        raise ImproperlyConfigured("OIDC_OP_JWKS_ENDPOINT is required with an RS* algorithm")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
    OIDC_USE_PKCE = True
    OIDC_CREATE_USER = False
    OIDC_AUTHENTICATION_CALLBACK_URL = "audit:oidc_callback"
    LOGIN_REDIRECT_URL_FAILURE = "login"
    AUTHENTICATION_BACKENDS.append("audit.oidc.MunicipalityOIDCBackend")
# Which claim names the account: "preferred_username" (matched to username) or "email".
EOR_OIDC_USERNAME_CLAIM = os.environ.get("EOR_OIDC_USERNAME_CLAIM", "preferred_username")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Beat schedule entries of the goals app -------------------------------------------------
from celery.schedules import crontab  # noqa: E402

# Every morning at 07:00: remind caseworkers whose plan and managers whose group EOR for next
# month is missing, from EOR_REMINDER_DAY on (once per person, month and kind).
CELERY_BEAT_SCHEDULE["goals-send-reminders"] = {
    "task": "goals.send_reminders",
    "schedule": crontab(hour=7, minute=0),
}

# Nightly: forget the one-time keys of forms stored more than a week ago (cases.idempotency).
CELERY_BEAT_SCHEDULE["cases-sweep-form-keys"] = {
    "task": "cases.sweep_form_keys",
    "schedule": crontab(hour=3, minute=15),
}

# --- Beat schedule entries of the reports app -----------------------------------------------
# Every night at 02:30: recompute the current and previous month everywhere, and every month
# whose events changed after its rollup was computed (catches anything a lost task missed).
CELERY_BEAT_SCHEDULE["reports-rollup-nightly"] = {
    "task": "reports.rollup_nightly",
    "schedule": crontab(hour=2, minute=30),
}
# Every five minutes: drain refresh work left pending (a lost message, a worker that died);
# a no-op costing one indexed query when nothing is outstanding.
CELERY_BEAT_SCHEDULE["reports-refresh-sweep"] = {
    "task": "reports.refresh_pending",
    "schedule": crontab(minute="*/5"),
}
# django-axes reports every sign-in at INFO; its own tables keep them (admin: Axes).
LOGGING.setdefault("loggers", {})["axes"] = {"level": "WARNING"}
