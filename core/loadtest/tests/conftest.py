"""The load client's tests need no room runtime: they talk to tiny picows servers of their own."""

import pytest


@pytest.fixture(autouse=True)
async def _fresh_runtime() -> None:
    """Replaces core's autoused fixture of the same name: nothing here touches rooms or the database."""
