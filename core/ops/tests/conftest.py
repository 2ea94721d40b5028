"""Socket fixtures for these tests."""

from core.tests.helpers import users, ws  # noqa: F401
