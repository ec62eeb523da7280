"""Django settings, read from the environment (and a `.env` file when one is present).

Every value a deployment might change comes from an environment variable with a safe
default; see README.md, "Configuration", for the list.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse_lazy

PACKAGE_DIR = Path(__file__).resolve().parent

env = environ.Env()
# The working directory's .env wins over nothing but never over the real environment, so a
# deployment can always override a value without editing the file.
_dotenv = Path(os.environ.get("MUSTER_ENV_FILE", Path.cwd() / ".env"))
if _dotenv.is_file():
    env.read_env(str(_dotenv), overwrite=False)

# Where SQLite, uploaded files and collected static files live by default.
DATA_DIR = Path(env.str("MUSTER_DATA_DIR", default=str(Path.cwd() / "var"))).resolve()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(scripts/setup writes a random one), or set DEBUG=true for local development."
        )
    # Only reachable with DEBUG on: a fixed development key keeps sessions across restarts.
    SECRET_KEY = "development-only-insecure-key"
# Earlier keys, after a rotation: sessions, signed transcripts and the audit chain made under
# them still verify.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "muster.core",
    "muster.accounts",
    "muster.agencies",
    "muster.people",
    "muster.training",
    "muster.compliance",
    "muster.outside",
    "muster.certification",
    "muster.rollcall",
    "muster.reports",
    "muster.release",
    "muster.retention",
    "muster.xapi",
    "muster.imports",
    "muster.reminders",
    "muster.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "muster.core.csp.MusterCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "muster.core.middleware.RequestIdMiddleware",
    # Inside the request id (its rows carry it), outside everything that may refuse.
    "muster.core.middleware.RefusalAuditMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "muster.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "muster.core.middleware.AgencyTimezoneMiddleware",
    # Last, so it can replace the login page's answer with the locked-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in attempt while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Answers only the single sign-on callback (it takes no username or password), and
    # nothing at all while single sign-on is off; see "Single sign-on" below.
    "muster.accounts.oidc.SsoBackend",
]

ROOT_URLCONF = "muster.urls"
WSGI_APPLICATION = "muster.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "muster.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL is used when DATABASE_URL names it.
_default_sqlite = f"sqlite:///{DATA_DIR / 'muster.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_sqlite)}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if str(_db["NAME"]) != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
    }
else:
    _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    _db.setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time --------------------------------------------------------------------------------
# Stored times are UTC; each request is shown in its agency's own zone (see
# core.middleware.AgencyTimezoneMiddleware). TIME_ZONE is only the fallback for people
# without an agency.
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_I18N = True
USE_TZ = True

# --- Files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise warns at start-up when STATIC_ROOT is missing, even though it serves from the
# finders here; an empty folder until `collectstatic` keeps the log clean.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
# Certificates, scanned sign-in sheets and course packets are personnel records: they live
# outside MEDIA_ROOT, are never served by URL, and reach people only through views that check
# permission and send them as attachments (muster.core.uploads).
PRIVATE_MEDIA_ROOT = env.path("MUSTER_PRIVATE_MEDIA_ROOT", default=str(DATA_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the package so `muster serve` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest certificate, sheet scan or packet document accepted, in bytes.
MUSTER_MAX_UPLOAD_BYTES = env.int("MUSTER_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

# --- E-mail ------------------------------------------------------------------------------
# consolemail:// prints messages to the server's output; smtp+tls://user:pass@host:587 sends.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Muster <muster@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails (reminders) need the site's address; there is no request to take it from.
MUSTER_BASE_URL = env.str("MUSTER_BASE_URL", default="http://localhost:8000").rstrip("/")

# Background jobs (deadline reminders) go through django-tasks. The database backend keeps
# them in a table that `muster manage db_worker` (or `muster scheduler --worker`) runs.
# The default cache is per process. Import progress is written by the worker (another thread
# or process) and read by the page, so it goes to files under the data folder; a deployment
# with several hosts points MUSTER_PROGRESS_CACHE_URL at a shared cache (e.g. redis://...).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": env.cache_url(
        "MUSTER_PROGRESS_CACHE_URL", default=f"filecache://{DATA_DIR / 'progress'}"
    ),
}
# Import files up to this size are checked and imported while the page waits; larger ones go
# to the background worker and the page shows their progress.
MUSTER_IMPORT_INLINE_BYTES = env.int("MUSTER_IMPORT_INLINE_BYTES", default=256 * 1024)
MUSTER_IMPORT_MAX_BYTES = env.int("MUSTER_IMPORT_MAX_BYTES", default=64 * 1024 * 1024)
# A step that reports no progress for this long has lost its worker; it may then be cancelled.
MUSTER_IMPORT_STALLED_SECONDS = env.int("MUSTER_IMPORT_STALLED_SECONDS", default=15 * 60)

TASKS = {
    "default": {
        "BACKEND": env.str("MUSTER_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Security ----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Idle expiry: a login ends MUSTER_IDLE_MINUTES after its last request (every request renews
# it), so a terminal left open in a squad room does not stay signed in.
SESSION_COOKIE_AGE = env.int("MUSTER_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Argon2 for new and changed passwords; older hashes still check, and are re-hashed with
# Argon2 at the person's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
CSRF_COOKIE_HTTPONLY = True

# --- Signing in --------------------------------------------------------------------------
# Lockout (django-axes): MUSTER_LOCKOUT_FAILURES failed sign-ins for one username, from any
# address, lock that username; MUSTER_LOCKOUT_ADDRESS_FAILURES failures from one address, for
# any usernames, lock that address. The address limit is higher because a whole station may
# share one address. Either lock lifts MUSTER_LOCKOUT_MINUTES after the failure that set it
# (attempts made while locked neither count nor extend it); a password reset lifts the
# username's lock at once.
MUSTER_LOCKOUT_FAILURES = env.int("MUSTER_LOCKOUT_FAILURES", default=5)
MUSTER_LOCKOUT_ADDRESS_FAILURES = env.int("MUSTER_LOCKOUT_ADDRESS_FAILURES", default=20)
MUSTER_LOCKOUT_MINUTES = env.int("MUSTER_LOCKOUT_MINUTES", default=15)
# The client's address is REMOTE_ADDR. Behind N reverse proxies that each append to
# X-Forwarded-For, set MUSTER_PROXY_COUNT=N and the address is taken N entries from the right
# of that header; never set it without such proxies, or anyone could choose their address.
MUSTER_PROXY_COUNT = env.int("MUSTER_PROXY_COUNT", default=0)
AXES_FAILURE_LIMIT = MUSTER_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = dt.timedelta(minutes=MUSTER_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_HANDLER = "muster.accounts.lockout.MusterAxesHandler"
AXES_CLIENT_IP_CALLABLE = "muster.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "muster.accounts.lockout.locked_out_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
# Successful sign-ins are in the audit log (action "login"); axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Two-factor sign-in (django-otp): every role but plain officer must use an authenticator
# app; officers may. MUSTER_REQUIRE_2FA_FOR_STAFF=false turns the requirement off.
MUSTER_REQUIRE_2FA_FOR_STAFF = env.bool("MUSTER_REQUIRE_2FA_FOR_STAFF", default=True)
# A password-reset link works for this long, and only once.
PASSWORD_RESET_TIMEOUT = env.int("MUSTER_PASSWORD_RESET_MINUTES", default=60) * 60
# Reset links sent in one hour: at most this many to one login, and to all logins together
# from one address, so the form cannot be used to flood a mailbox (the page looks the same).
MUSTER_RESET_LINKS_PER_LOGIN = env.int("MUSTER_RESET_LINKS_PER_LOGIN", default=3)
MUSTER_RESET_LINKS_PER_ADDRESS = env.int("MUSTER_RESET_LINKS_PER_ADDRESS", default=10)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind TLS (production) these turn on together with MUSTER_HTTPS=true.
HTTPS = env.bool("MUSTER_HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# The header only says the domain consents to browsers' preload list; nothing is preloaded
# until its owner submits it. SECURE_HSTS_PRELOAD=false withholds that consent.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Single sign-on (OpenID Connect) -------------------------------------------------------
# Off unless the client id and secret are set together with the provider: its issuer (whose
# /.well-known/openid-configuration is read at the first single sign-on, never at start-up,
# and cached) or its endpoints one by one. An endpoint given here wins over the discovered
# one. See docs/single-sign-on.md.
MUSTER_OIDC_ISSUER = env.str("MUSTER_OIDC_ISSUER", default="")
MUSTER_OIDC_CLIENT_ID = env.str("MUSTER_OIDC_CLIENT_ID", default="")
MUSTER_OIDC_CLIENT_SECRET = env.str("MUSTER_OIDC_CLIENT_SECRET", default="")
MUSTER_OIDC_NAME = env.str("MUSTER_OIDC_NAME", default="single sign-on")
MUSTER_OIDC_AUTHORIZATION_ENDPOINT = env.str("MUSTER_OIDC_AUTHORIZATION_ENDPOINT", default="")
MUSTER_OIDC_TOKEN_ENDPOINT = env.str("MUSTER_OIDC_TOKEN_ENDPOINT", default="")
MUSTER_OIDC_USERINFO_ENDPOINT = env.str("MUSTER_OIDC_USERINFO_ENDPOINT", default="")
MUSTER_OIDC_JWKS_URI = env.str("MUSTER_OIDC_JWKS_URI", default="")
MUSTER_OIDC_END_SESSION_ENDPOINT = env.str("MUSTER_OIDC_END_SESSION_ENDPOINT", default="")
# Signing out of Muster also ends the provider's session, when the provider offers that.
MUSTER_OIDC_END_SESSION = env.bool("MUSTER_OIDC_END_SESSION", default=True)
# Unknown people get a login with no roles (they see nothing until an administrator grants
# one) instead of a refusal.
MUSTER_OIDC_CREATE_USERS = env.bool("MUSTER_OIDC_CREATE_USERS", default=False)
MUSTER_OIDC_TIMEOUT = env.float("MUSTER_OIDC_TIMEOUT", default=10.0)
# mozilla-django-oidc's own settings, for the parts of its flow Muster uses.
OIDC_RP_SCOPES = env.str("MUSTER_OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env.str("MUSTER_OIDC_SIGN_ALGO", default="RS256")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"


# --- Content-Security-Policy ---------------------------------------------------------------
def _origin(url: str, setting: str) -> str:
    """The scheme://host[:port] of an address, for a CSP source list."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ImproperlyConfigured(f"{setting} must be an http(s) address, not {url!r}.")
    return f"{parts.scheme}://{parts.netloc}"


# Forms post only to Muster itself, and, with single sign-on, to the provider: browsers apply
# form-action to the redirects that follow a form's POST too, and signing out (a POST) is
# redirected to the provider's end-session endpoint. core.csp.MusterCSPMiddleware adds the
# origins of the MUSTER_OIDC_* issuer and endpoints in force; MUSTER_CSP_FORM_ACTION names
# further origins, for a provider whose discovery document puts its pages on another origin.
_form_action = ["'self'"]
_form_action += [
    _origin(u, "MUSTER_CSP_FORM_ACTION") for u in env.list("MUSTER_CSP_FORM_ACTION", default=[])
]

# Content-Security-Policy (django-csp), enforced on every response: scripts, styles, fonts
# and requests only from Muster's own origin, never inline, never eval; images also as data:
# (Pico's icons); no plugins, no <base>, no framing; sent by core.csp.MusterCSPMiddleware
# (django-csp's, with the single sign-on provider in form-action). Violations are reported to
# core.csp.csp_report, which logs them. See docs/architecture.md, "Web hardening".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": list(dict.fromkeys(_form_action)),
        "report-uri": [reverse_lazy("csp-report")],
    },
}

# --- REST API (muster.api; see docs/api.md) -------------------------------------------------
# A personal API token (Authorization: Bearer ...) or, for the browsable API and the docs
# page, the signed-in session with its CSRF check. Every answer is JSON unless a browser asks.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an unauthenticated request is answered 401 with a Bearer challenge.
        "muster.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: DRF's own browsable pages use inline styles that Muster's CSP refuses; the
    # Swagger UI at /api/docs/ (CSP-clean) is the way to browse and try the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "muster.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["muster.api.authentication.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "muster.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests one API token may make, e.g. "600/minute"; empty for no limit. Browser sessions
# are not limited.
MUSTER_API_TOKEN_RATE = env.str("MUSTER_API_TOKEN_RATE", default="600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Muster API",
    "DESCRIPTION": (
        "Officers, units, courses, sessions, training records, qualifications, compliance and "
        "imports, each limited to what the token's user may read. See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI's files come from the drf-spectacular-sidecar package, served by Muster
    # itself: nothing is fetched from elsewhere, as the Content-Security-Policy demands.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OfficerStatusEnum": "muster.people.models.OfficerStatus",
        "SessionStatusEnum": "muster.training.models.SessionStatus",
        "CourseStatusEnum": "muster.training.models.CourseStatus",
        "UnitKindEnum": "muster.agencies.models.UnitKind",
        "RecordKindEnum": "muster.training.models.RecordKind",
    },
}

# Shown on the login page and used in e-mail; the demo sets nothing here.
MUSTER_SITE_NAME = env.str("MUSTER_SITE_NAME", default="Muster")
# Authenticator apps list the account under this name.
OTP_TOTP_ISSUER = MUSTER_SITE_NAME
