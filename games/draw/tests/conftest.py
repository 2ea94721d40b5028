"""Socket fixtures for the protocol tests (the rules tests use none of them)."""

from core.tests.helpers import users, ws  # noqa: F401
