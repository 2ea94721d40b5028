"""Shared fixtures: a fresh room runtime and stopped background jobs (autoused by core/ and tests/)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest


@pytest.fixture
async def fresh_runtime() -> AsyncIterator[None]:
    """Each test starts with no live rooms and leaves no background task behind."""
    from core import background
    from core.rooms.runtime import runtime

    await runtime.reset()
    yield
    await background.stop()
    await runtime.reset()
