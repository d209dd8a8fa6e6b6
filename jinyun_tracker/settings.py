"""Settings for the Jinyun investment tracker.

Everything that differs between a laptop demo and a county server comes from the
environment. The defaults suit a local demo only: debug on, an SQLite file beside
manage.py and a development secret key that is refused once DEBUG is off.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from import_export.formats import base_formats

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable into a list without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-local-demo-only-never-use-in-production")
# Without DEBUG, a key that Django's own deployment check calls weak (short, of few distinct
# characters, or made for development, as the default above) stops the server from starting:
# sessions, password resets and signed values would be forgeable.
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment to a long random value when DEBUG is "
        f"off: at least {SECRET_KEY_MIN_LENGTH} characters, at least "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, not the example's. Make one with: "
        'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "projects.apps.LedgerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "projects.apps.LockoutConfig",
    "csp",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "import_export",
    "rest_framework",
    "rest_framework.authtoken",
    "simple_history",
    "projects",
]

MIDDLEWARE = [
    # First: a load balancer's health check needs no session, login or HTTPS redirect.
    "projects.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jinyun_tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "jinyun_tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
# SQLite lets one writer in at a time. So that a small office's staff can save at the same
# moment: readers do not wait for a writer (WAL), a writer waits its turn for up to 20 s
# rather than failing at once, and a transaction takes the write lock when it begins, since
# one that read first and then wanted to write would be refused outright while another
# writes. In WAL mode, synchronous=NORMAL cannot corrupt the file; a power cut may lose the
# last commit. Options given in DATABASE_URL win.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The dashboard's covering indexes carry extra columns on PostgreSQL; SQLite builds them
# without, as the warning says, which is what is meant.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account+address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# A government system's logins: at least 10 characters, unlike the user's name or e-mail,
# not a common password and not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Five wrong passwords for one account from one address lock that pair out for a while.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True


def env_proxies(name: str) -> int:
    """Read the number of reverse proxies in front of the app."""
    value = os.environ.get(name, "0").strip()
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of proxies, not {value!r}.")
    return int(value)


# The address a login is locked at is the client's, not the proxy's: behind nginx every
# request comes from 127.0.0.1, and one attacker would lock an account out for everyone.
# Each of the TRUSTED_PROXIES proxies (deploy/nginx.conf is one) appends the address it saw
# to X-Forwarded-For, so the client is that many entries from the right; entries further
# left were written by the client and are never trusted. With none, the header is ignored.
TRUSTED_PROXIES = env_proxies("TRUSTED_PROXIES")
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...]
AXES_IPWARE_PROXY_COUNT: int | None
if TRUSTED_PROXIES:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXIES - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
# Count the proxies from the right, whatever the client wrote to the left of them.
IPWARE_STRICT = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "缙云县招商项目台账 API",
    "DESCRIPTION": "Read-only access to the ledger; the same filters as the list pages.",
    "VERSION": "1",
    # A project's source zone and a target's zone are the same 招商战区: one enum.
    "ENUM_NAME_OVERRIDES": {"ZoneEnum": "projects.models.projects.InvestmentProject.Zone"},
}

# Spreadsheet imports (admin and `import_ledger`): CSV or XLSX, all rows or none, only for
# users who may add the records.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]

# The admin's History shows old versions to read; none is saved back over the record
# (projects.admin.LedgerAdmin.history_form_view refuses it).
SIMPLE_HISTORY_REVERT_DISABLED = True

# A project with no follow-up logged for this many days is flagged as unfollowed.
FOLLOW_UP_DAYS = int(os.environ.get("FOLLOW_UP_DAYS", "30"))

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_HOURS", "8")) * 3600

# Chinese is the language of the county's staff; English is the second language.
# Source strings are written in Chinese, so English comes from projects/locale/en.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project's catalogues come before the installed apps': projects/locale/zh_Hans holds
# the Chinese of Django's admin, auth and django-axes strings where theirs is missing or
# ends a sentence with an ASCII full stop, and an app's own catalogue would win over it.
LOCALE_PATHS = [BASE_DIR / "projects" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Pages write numbers with thousands separators (124,800.00; 13,333,333.33 m²) in both
# languages; exports and form fields keep them plain.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["jinyun_tracker.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In production, whitenoise serves compressed files with hashed names from STATIC_ROOT
# (filled by collectstatic); the demo serves them straight from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The map's optional basemap: an image the county provides (a PNG or JPEG rendered in
# Web Mercator, as the map draws), put under the static files (for instance
# projects/static/basemap/jinyun.png, named "basemap/jinyun.png"), and the longitude and
# latitude of its edges: "west,south,east,north". Without an image the map draws the
# boundaries alone.
MAP_BASEMAP_IMAGE = os.environ.get("MAP_BASEMAP_IMAGE", "")
MAP_BASEMAP_BOUNDS = [float(edge) for edge in env_list("MAP_BASEMAP_BOUNDS", "")]
if MAP_BASEMAP_IMAGE and len(MAP_BASEMAP_BOUNDS) != 4:
    raise ImproperlyConfigured(
        "MAP_BASEMAP_BOUNDS must give the basemap's west,south,east,north in degrees"
    )

# Every script and style comes from the app itself; no inline script is allowed. Inline
# style attributes are, because the admin uses a few.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"

# Production runs behind a reverse proxy (deploy/nginx.conf) that terminates HTTPS and
# says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes announces itself at every start; its lockouts are warnings.
    # WeasyPrint reports each step of drawing a PDF, and each CSS rule for screens that it
    # passes over in the shared stylesheets; a refused URL is logged by projects.reports.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}},
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The files the app keeps (the issued monthly reports) are stored here and served only
# through its views, to logged-in users who may view them: never as public media.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# The office that issues the monthly report (招商月报), named under its title.
REPORT_OFFICE = os.environ.get("REPORT_OFFICE", "缙云县经济商务局（招商服务中心）")
