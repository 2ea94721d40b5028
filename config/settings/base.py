"""Settings shared by every environment, configured from environment variables.

Embedded defaults: SQLite and the in-memory channel layer. DATABASE_URL switches to
PostgreSQL, REDIS_URL to channels_redis; see the README's configuration table.
"""

import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-key-change-me-for-any-deployment"  # production.py refuses it
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "core.accounts",
    "core.presence",
    "core.notifications",
    "core.rooms",
    "core.lobby",
    "core.ops",
    "games.tictactoe",
    "games.connect4",
    "games.arena",
    "games.draw",
    "games.colorclues",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "lobby:index"
LOGOUT_REDIRECT_URL = "lobby:index"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Persistent connections: database_sync_to_async closes expired connections around every call,
# so with CONN_MAX_AGE=0 each stored move would reconnect (measured: benchmarks/connect4_latency.py).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One pool per process (psycopg_pool, built into Django 5.1+). Under ASGI each page view runs in a thread of
    # its own, and a persistent connection stayed with its dead thread until a full GC: one burst of 150 page
    # loads left PostgreSQL's 100 slots full and every later page failed. Closing a pooled connection returns it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "16")),
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page views read while the room runtime writes; the timeout rides out short locks.
    # synchronous=NORMAL under WAL: a commit survives a process crash (kill -9);
    # only an OS crash may lose the last ones.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "parlor")  # channel layer keys and room leases
# This process's stable name, unique among running processes (app1, host:port): after a restart it takes
# its own rooms back at once instead of waiting for their leases to expire (core/rooms/placement.py).
PARLOR_PROCESS = os.environ.get("PARLOR_PROCESS", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's 5 s read timeout would cut a layer.receive() that waits on a quiet socket.
                # After a Redis restart pooled connections are dead: retry on a fresh one instead of
                # failing the socket that happened to pick one (redis-py retries nothing by default).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 4),
                        "retry_on_error": [RedisConnectionError],
                    }
                ],
                "prefix": REDIS_PREFIX,
                "capacity": 1000,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "core" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# Parlor's own knobs (README, "Configuration").
PARLOR = {
    "MAX_MESSAGE_BYTES": int(os.environ.get("PARLOR_MAX_MESSAGE_BYTES", 64 * 1024)),
    "RATE_PER_SECOND": float(os.environ.get("PARLOR_RATE_PER_SECOND", 30)),
    "RATE_BURST": float(os.environ.get("PARLOR_RATE_BURST", 60)),
    "RATE_STRIKES": int(os.environ.get("PARLOR_RATE_STRIKES", 50)),
    "OUTBOX_SIZE": int(os.environ.get("PARLOR_OUTBOX_SIZE", 256)),
    "STALL_TIMEOUT": float(os.environ.get("PARLOR_STALL_TIMEOUT", 5)),
    "DROP_IN_GRACE": float(os.environ.get("PARLOR_DROP_IN_GRACE", 10)),
    "LANE_SEND_BUFFER": int(os.environ.get("PARLOR_LANE_SEND_BUFFER", 32 * 1024)),
    "PRESENCE_HEARTBEAT": float(os.environ.get("PARLOR_PRESENCE_HEARTBEAT", 5)),
    "PRESENCE_EXPIRY": float(os.environ.get("PARLOR_PRESENCE_EXPIRY", 15)),
    "PRESENCE_FLUSH": float(os.environ.get("PARLOR_PRESENCE_FLUSH", 0.5)),
    "NOTIFY_POLL": float(os.environ.get("PARLOR_NOTIFY_POLL", 0.5)),
    "ROOM_IDLE_UNLOAD": float(os.environ.get("PARLOR_ROOM_IDLE_UNLOAD", 30)),
    "CLAIM_AFTER": float(os.environ.get("PARLOR_CLAIM_AFTER", 30)),
}
# The lane (core/transport/lane.py): real-time games' binary socket, on its own port; 0 turns it off.
PARLOR_LANE_PORT = int(os.environ.get("PARLOR_LANE_PORT", 8001))
PARLOR_LANE_HOST = os.environ.get("PARLOR_LANE_HOST", "127.0.0.1")
PARLOR_LANE_URL = os.environ.get("PARLOR_LANE_URL", "")  # the lane's public URL behind a proxy: wss://example.org/lane

# Python's GC thresholds, applied at start-up after freezing the start-up heap (config/lifespan.py).
PARLOR_GC_THRESHOLDS = tuple(int(n) for n in os.environ.get("PARLOR_GC_THRESHOLDS", "20000,50,50").split(","))

# LOG_FORMAT: "plain" lines, or "json" (one object per line with the room and user ids: core/ops/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "picows": {"level": "WARNING"}},
}
if LOG_FORMAT == "json":
    # uvicorn's own handlers print plain text; route its server and access logs through ours.
    LOGGING["loggers"] |= {
        name: {"handlers": ["console"], "propagate": False} for name in ("uvicorn", "uvicorn.access")
    }

# WhiteNoise serves static files through a sync iterator; under ASGI Django warns on every file.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
# Until collectstatic has run, WhiteNoise serves from the finders and says so once per process.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
