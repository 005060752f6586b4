"""Leitstand settings: one module, configured entirely through the environment.

Every variable is documented in the README's configuration table. Without any
variables the app runs on the embedded default: SQLite, the in-memory channel
layer, a local-memory cache and Celery tasks executed in-process.
"""

from datetime import timedelta
from pathlib import Path
import secrets
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("LEITSTAND_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()


def _env_str(name: str) -> str:
    """Read a variable, treating an empty value as unset (django-environ does not)."""
    return env.str(name, default="").strip()


PRODUCTION = env.bool("LEITSTAND_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be enabled together with LEITSTAND_PRODUCTION.")


def _secret_key() -> str:
    key = _env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when LEITSTAND_PRODUCTION is set.")
    # Development: a generated key, kept in a git-ignored file so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_htmx",
    "csp",
    "channels",
    "common",  # the e-mail outbox (common.outbox)
    "fleet",
    "tickets",
    "messenger",
    "videosessions",
    "portal",
    "guide",
    "administration",
    "api",
    "webhooks",
    "config",  # last: wires the apps together (config/subscriptions.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (django-csp; the policy under "Security" below).
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the form: invalid UTF-8 in a form body is a 400, never stored as U+FFFD.
    "config.middleware.StrictFormEncodingMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Per-object permission answers kept while the request runs (common.object_permissions).
    "common.object_permissions.ObjectPermissionMemoMiddleware",
    "common.timezones.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "common.middleware.NotFoundMiddleware",
    # A lost database connection: 503 "try again" instead of the 500 page (common.middleware).
    "common.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its page (fleet.views.locked_out).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "common.timezones.datetime_format",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fleet.context_processors.staff",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = _env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: real server processes started by the tests share the test database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test_db.sqlite3")
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    # Take the write lock when a transaction starts, so that two racing transitions queue up
    # instead of failing with "database is locked" (SQLite ignores select_for_update).
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=True):
    # psycopg's connection pool: a server process (its socket thread, its request threads) takes
    # a connection from the pool and gives it back instead of opening one per request or per
    # socket frame (a new PostgreSQL connection costs milliseconds of server and database CPU).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery ------------------------------------------
REDIS_URL = _env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="leitstand"),
        }
    }
    # CHANNEL_LAYER_BACKEND: "redis-pubsub" (channels-redis's Pub/Sub layer, made to say when it
    # loses Redis: common.channel_layers) or "redis" (its list-based layer); docs/performance.md
    # has the measurement behind the default.
    CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="redis-pubsub")
    # Redis's Pub/Sub channels are server-wide, not per database: two installations (or test runs)
    # on one Redis server with different database numbers would hear each other's groups. The
    # default prefix names the database, so the number in REDIS_URL separates them as it does keys.
    _redis_db = urlsplit(REDIS_URL).path.strip("/") or "0"
    CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default=f"leitstand{_redis_db}")
    if CHANNEL_LAYER_BACKEND == "redis-pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "common.channel_layers.OutageAwarePubSubChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": REDIS_URL}],
                    "prefix": CHANNEL_LAYER_PREFIX,
                },
            }
        }
    elif CHANNEL_LAYER_BACKEND == "redis":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    # socket_timeout=None: redis-py's 5 s default equals the layer's blocking
                    # read and would drop idle sockets (see docs/operations.md).
                    "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}],
                    "prefix": CHANNEL_LAYER_PREFIX,
                    # One list per server process holds what waits for all its sockets: a
                    # shift opening its pages at once (presence of 1,000 sockets) needs room.
                    "capacity": 10000,
                    "expiry": 60,
                },
            }
        }
    else:
        raise ImproperlyConfigured(f"CHANNEL_LAYER_BACKEND must be redis or redis-pubsub, not {CHANNEL_LAYER_BACKEND!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it has run, not when a worker takes it: a worker killed mid-task
# leaves its message to the next worker (after the visibility timeout, or at once when a pool
# child dies). Every task is therefore idempotent (docs/architecture.md, "Tasks and faults").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
_CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Seconds after which Redis hands an unacknowledged message to another worker: longer than any
    # task runs and than the furthest eta (the customers' digest: CUSTOMER_EMAIL_INTERVAL_SECONDS).
    "visibility_timeout": _CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such messages: kombu 5.7's default scans every 10th sweep of
    # 10 s (100 s) after the one at start; every sweep, at most every 10 s (a range read of a
    # small index), so a message is handed on within seconds of its timeout passing.
    "unacked_restore_throttle": 1,
    "unacked_restore_interval": max(1, min(10, _CELERY_VISIBILITY_TIMEOUT)),
    # A request that hands a task to a broker that is away gives up at once (one quick retry for
    # a connection gone stale) instead of kombu's default ~6 s of retries: the work waits in the
    # database (the e-mail outbox, the digest's due time, the webhook deliveries) for the sweep.
    "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2,
}
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE: dict = {
    "expire-offers": {"task": "fleet.tasks.expire_offers", "schedule": 300.0},
    "autoclose-done-tickets": {"task": "tickets.tasks.autoclose_done_tickets", "schedule": 3600.0},
    "send-due-customer-emails": {"task": "portal.emails.send_due_customer_emails", "schedule": 60.0},
    "send-pending-emails": {"task": "common.outbox.send_pending_emails", "schedule": 60.0},
    "purge-sent-emails": {"task": "common.outbox.purge_sent_emails", "schedule": 86400.0},
    "send-due-webhooks": {"task": "webhooks.tasks.deliver_due", "schedule": 60.0},
    "sweep-video-sessions": {"task": "videosessions.tasks.sweep", "schedule": 60.0},
}

# --- Auth ------------------------------------------------------------------------
AUTH_USER_MODEL = "fleet.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every password login (staff login page, admin login) while the username and
    # address are locked out, and counts the failures (django-axes, see "Login lockout" below).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # django-guardian's per-object permissions, each (user, object) read once per request
    # (common.object_permissions).
    "common.object_permissions.ObjectPermissionBackend",
]
# guardian's check looks for its own backend's dotted path; the subclass above is that backend
# (tests/fleet/test_roles.py checks it is installed and is guardian's).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
# Code users are not Django users, so guardian's anonymous user row is not needed.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login lockout (django-axes) --------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# out for LOGIN_LOCKOUT_MINUTES (every further try during it starts the time again); a success
# resets the count. Administrators unlock early in the Django admin (Axes → Access attempts:
# delete the entry) or with `manage.py axes_reset_username <name>`. Counted in the database, so
# all server processes count together. The address is REMOTE_ADDR: behind nginx, daphne sets it
# from the X-Real-IP nginx writes (docs/security.md).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fleet.views.locked_out"

# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
# One date/time format per language for pages and the messenger (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

# --- Static and media files ----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Serve static files from the ASGI app itself (single-host deployments without a proxy).
SERVE_STATIC = env.bool("SERVE_STATIC", default=DEBUG)

# --- E-mail ------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG.get("EMAIL_FILE_PATH") and not EMAIL_CONFIG["EMAIL_FILE_PATH"].startswith("/"):
    # django-environ drops the leading slash of filemail:///var/mail: the path is absolute.
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = "/" + EMAIL_CONFIG["EMAIL_FILE_PATH"]
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Leitstand <leitstand@localhost>")

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.LeitstandAutoSchema",
    # A personal API token (Authorization: Bearer lst_…) or the browser's session (with CSRF);
    # no Basic authentication: passwords never travel with API calls.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.authentication.IsStaffMember", "api.authentication.TokenScopeAllows"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle", "api.throttling.UserRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),  # proxies in front (for the client address)
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per personal API token and per user (all their tokens and their browser together),
# counted in the cache (Redis when REDIS_URL is set): "<count>/<second|minute|hour|day>".
API_THROTTLE_RATES = {
    "token": env.str("API_RATE_PER_TOKEN", default="600/minute"),
    "user": env.str("API_RATE_PER_USER", default="1200/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Leitstand API",
    "DESCRIPTION": (
        "The REST API of the Leitstand service desk: everything a staff member can do in the browser, "
        "for other systems. Authenticate with a personal API token (Profile → API tokens) as "
        "`Authorization: Bearer lst_…`; it acts with its user's role and rights. Errors share one "
        "body: `code`, `message`, `errors` (per field) and `current_status`."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketStatus": "tickets.choices.Status",
        "TicketVisibility": "tickets.choices.Visibility",
        "OfferState": "fleet.models.OfferStatus",
        "FeedbackState": ["given", "pending", "none"],
        "DeliveryState": "webhooks.models.DeliveryState",
        "VideoSessionState": "tickets.choices.VideoSessionState",
        "VideoSessionTransitionEnum": ["confirm", "start", "end", "cancel"],
        "UpdateKindEnum": "tickets.choices.UpdateKind",  # the name it had before a second "kind" came
    },
}

# --- Security --------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): no inline scripts, inline event handlers or inline
# styles anywhere (JS in static/js/, CSS in static/css/); images also from data: and blob: URLs and
# media from blob: (the video call's camera streams and snapshots); the page's own WebSockets
# (config.middleware.ContentSecurityPolicyMiddleware adds ws(s)://<this host> per request). The
# Swagger UI page (/api/docs/) adds 'unsafe-inline' styles for itself (api/views/docs.py).
# Enforced, except in development (DEBUG), where it is only reported (browser console).
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    # A Jitsi Meet server (VIDEO_JITSI_URL), should a call page embed its room.
    "frame-src": ["'self'", *filter(None, [_env_str("VIDEO_JITSI_URL").rstrip("/")])],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print every line a second time through the root logger.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # One INFO line per webhook request would repeat what the delivery log holds.
        "httpx": {"level": "WARNING"},
    },
}

# Tests only: a fast password hasher (Django's default PBKDF2 takes ~0.3 s per login).
# Test fixtures set it for server processes they start; never in production.
if env.bool("LEITSTAND_FAST_PASSWORD_HASHER", default=False):
    if PRODUCTION:
        raise ImproperlyConfigured("LEITSTAND_FAST_PASSWORD_HASHER is for tests only.")
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Tickets -------------------------------------------------------------------------
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=5)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain"],
)
UPDATE_MAX_LENGTH = 10_000
# Requests larger than this are refused before Django reads them (attachments + form fields).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Absolute base URL printed into access-code QR codes (e.g. https://service.example.org);
# empty: taken from the request.
PUBLIC_BASE_URL = _env_str("PUBLIC_BASE_URL")

# --- Fleet ------------------------------------------------------------------------------
# E-mail staff about assignments, removals and forwarded tickets (offers follow each
# template's "announce offers by e-mail" setting).
NOTIFY_STAFF_BY_EMAIL = env.bool("NOTIFY_STAFF_BY_EMAIL", default=False)

# --- Messenger ------------------------------------------------------------------------
MESSENGER_MAX_LENGTH = env.int("MESSENGER_MAX_LENGTH", default=4000)
MESSENGER_MAX_FRAME_BYTES = env.int("MESSENGER_MAX_FRAME_BYTES", default=32 * 1024)
# Per connection: a burst of this many frames, refilled at this many per second.
MESSENGER_RATE_BURST = env.int("MESSENGER_RATE_BURST", default=10)
MESSENGER_RATE_PER_SECOND = env.float("MESSENGER_RATE_PER_SECOND", default=2.0)
# Back-pressure: frames one socket may have waiting, and frames all sockets of one server process
# may have waiting or in work; beyond either the sender gets {"code": "busy"} and retries later.
MESSENGER_INBOX_SIZE = env.int("MESSENGER_INBOX_SIZE", default=8)
MESSENGER_MAX_IN_FLIGHT = env.int("MESSENGER_MAX_IN_FLIGHT", default=200)

# --- Video sessions ---------------------------------------------------------------------
# The browsers call each other (WebRTC mesh) up to this many people; the next one is told the call is full.
VIDEO_MESH_MAX = env.int("VIDEO_MESH_MAX", default=4)
# ICE servers handed to the browsers: STUN URLs, and TURN URLs with either time-limited credentials
# from a shared secret (coturn's REST scheme: use-auth-secret / static-auth-secret) or a fixed
# user and password. Empty: the browsers only try their own addresses (enough on one network).
VIDEO_STUN_URLS = env.list("VIDEO_STUN_URLS", default=[])
VIDEO_TURN_URLS = env.list("VIDEO_TURN_URLS", default=[])
VIDEO_TURN_SECRET = _env_str("VIDEO_TURN_SECRET")
VIDEO_TURN_USERNAME = _env_str("VIDEO_TURN_USERNAME")
VIDEO_TURN_PASSWORD = _env_str("VIDEO_TURN_PASSWORD")
VIDEO_TURN_TTL_SECONDS = env.int("VIDEO_TURN_TTL_SECONDS", default=12 * 3600)
# An external room service instead of the mesh (bigger calls, recording): a Jitsi Meet base URL;
# each session then holds a generated, unguessable room link that its page opens.
VIDEO_JITSI_URL = _env_str("VIDEO_JITSI_URL").rstrip("/")
# A session nobody joined this long after its planned time is marked Verpasst (missed); a running
# session everybody left this long ago ends; a participant whose socket is silent this long has left.
VIDEO_MISSED_AFTER_MINUTES = env.int("VIDEO_MISSED_AFTER_MINUTES", default=30)
VIDEO_EMPTY_END_MINUTES = env.int("VIDEO_EMPTY_END_MINUTES", default=10)
VIDEO_STALE_SECONDS = env.int("VIDEO_STALE_SECONDS", default=90)
# Signalling frames (SDP offers carry a few KB; candidates less) and their rate per socket.
VIDEO_MAX_FRAME_BYTES = env.int("VIDEO_MAX_FRAME_BYTES", default=64 * 1024)
VIDEO_RATE_BURST = env.int("VIDEO_RATE_BURST", default=60)
VIDEO_RATE_PER_SECOND = env.float("VIDEO_RATE_PER_SECOND", default=20.0)
# An annotated snapshot from the call (a PNG of one video frame: rarely above 2 MB).
VIDEO_SNAPSHOT_MAX_BYTES = env.int("VIDEO_SNAPSHOT_MAX_BYTES", default=4 * 1024 * 1024)

# --- Code-user portal and feedback ------------------------------------------------------
# Code entry and PIN attempts per client IP (django-ratelimit syntax, e.g. "10/m").
PORTAL_CODE_RATE = env.str("PORTAL_CODE_RATE", default="10/m")
# Wrong PINs per access code from all addresses together: 10,000 four-digit PINs at 50 a day take
# months to walk through, while the code's regular visitors (already past the PIN) are unaffected.
PORTAL_PIN_RATE_PER_CODE = env.str("PORTAL_PIN_RATE_PER_CODE", default="50/d")
# Open tickets a code user, and a code, may create within the period (flood protection).
PORTAL_MAX_OPEN_TICKETS_PER_CODE_USER = env.int("PORTAL_MAX_OPEN_TICKETS_PER_CODE_USER", default=5)
PORTAL_MAX_TICKETS_PER_CODE = env.int("PORTAL_MAX_TICKETS_PER_CODE", default=30)
PORTAL_TICKET_PERIOD_HOURS = env.int("PORTAL_TICKET_PERIOD_HOURS", default=24)
# A code user's personal link (page, e-mails) works this many days; staff end all links of a code
# at once on its settings page. On a device that has not passed the code's PIN the link asks it.
PERSONAL_LINK_MAX_AGE_DAYS = env.int("PERSONAL_LINK_MAX_AGE_DAYS", default=90)
# Tickets left in Fertig without feedback are closed after this many days.
FEEDBACK_AUTOCLOSE_DAYS = env.int("FEEDBACK_AUTOCLOSE_DAYS", default=14)
# Customers who take part in a ticket hear by e-mail when staff answer: at most one e-mail per
# ticket per interval, never before the grace has passed (time to read it on the page; with
# tasks in-process, where nothing runs later, none).
CUSTOMER_EMAIL_INTERVAL_SECONDS = env.int("CUSTOMER_EMAIL_INTERVAL_SECONDS", default=600)
# The e-mail outbox (common/outbox.py) keeps what it sent this many days, then a daily task deletes it.
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=30)
CUSTOMER_EMAIL_GRACE_SECONDS = env.int("CUSTOMER_EMAIL_GRACE_SECONDS", default=60 if REDIS_URL else 0)
RATELIMIT_USE_CACHE = "default"

# --- Webhooks ----------------------------------------------------------------------------
# Outgoing requests to loopback, private, link-local and other non-public addresses are refused
# unless this is on (the tests allow 127.0.0.1); in production http:// URLs too.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
# Seconds one attempt may take in all (connecting at most 5 of them).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# A failed delivery is retried with exponential backoff and full jitter (the first pause at most
# the base, doubling, capped) until this many hours after it was made; an endpoint failing that
# long without a success is switched off and the administrators are told.
WEBHOOK_RETRY_WINDOW_HOURS = env.float("WEBHOOK_RETRY_WINDOW_HOURS", default=24.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
# With tasks in-process (no REDIS_URL): send from a background thread of the web process, which
# also retries what is due every WEBHOOK_SWEEP_SECONDS (there is no beat). Off: only the sweep
# (Celery beat, or manage.py) sends.
WEBHOOK_SEND_IN_PROCESS = env.bool("WEBHOOK_SEND_IN_PROCESS", default=True)
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=60.0)
