"""Production: several processes behind a TLS proxy (nginx), configured only from the environment.

Refuses to start on anything meant for development: a missing or default SECRET_KEY, DEBUG, SQLite, the
in-memory channel layer. The variables are listed in the README's "Deploying" section.
"""

import os
from pathlib import Path

os.environ.setdefault("LOG_FORMAT", "json")

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, DEV_SECRET_KEY, MIDDLEWARE, env_list


def required(name: str) -> str:
    """The value of an environment variable production cannot do without."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set; config.settings.production requires it (README, Deploying).")
    return value


SECRET_KEY = required("SECRET_KEY")
if SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is the development default; set a secret of 50+ random characters.")
if os.environ.get("DEBUG", "0") != "0":
    raise ImproperlyConfigured("DEBUG must be 0 or unset in production: debug pages show settings and source code.")
DEBUG = False

required("ALLOWED_HOSTS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's hosts: '*' would also admit any site's websockets.")
required("CSRF_TRUSTED_ORIGINS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Several processes share rooms, presence and notifications through these two (docs/cluster.md).
required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL: SQLite cannot serve several processes.")
required("REDIS_URL")  # base.py then uses channels_redis instead of the in-memory layer, which is per process

# Behind nginx: it terminates TLS, passes the Host header on and says the scheme in X-Forwarded-Proto.
MIDDLEWARE = ["core.ops.health.ProbeMiddleware", *MIDDLEWARE]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]  # scraped over plain HTTP inside the network
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD", "0") == "1"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Subdomains and preload commit the whole domain, not just this site: opt in with the variables above.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

# collectstatic is an explicit step (the image runs it at build time); WhiteNoise serves only what it collected.
# Compressed but not hashed: a manifest would rename the modules the pages import by relative path ("./lane.js").
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
