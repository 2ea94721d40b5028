"""Settings for the test suite: the same environment switches, faster hashing, quick timers."""

from .base import *  # noqa: F403
from .base import PARLOR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PARLOR.update(
    {"NOTIFY_POLL": 0.1, "PRESENCE_HEARTBEAT": 0.5, "PRESENCE_EXPIRY": 2.0, "CLAIM_AFTER": 1.0, "DROP_IN_GRACE": 0.5}
)

# Persistent connections would outlive the tests in asgiref's worker thread and keep PostgreSQL
# from dropping the test database; the servers the end-to-end tests start keep them (dev settings).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
