"""Socket fixtures for these tests."""

from core.tests.helpers import ws  # noqa: F401
