"""When the real Redis loses this process's mark (a restart, a flush), the registered rejoins run, once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import override_settings
from redis.asyncio import Redis

from core import background
from core.transport import memberships, redis_clients

REDIS = "redis://127.0.0.1:6379/3"  # the machine's Redis (.ci/run starts it), whatever the pass


@pytest.fixture
def rejoined(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Redis settings of this test's own, and a record of the rejoins run."""
    calls: list[str] = []

    async def rejoin() -> None:
        calls.append("rejoined")

    monkeypatch.setattr(memberships, "_rejoins", [rejoin])
    monkeypatch.setattr(memberships, "_marked", set())
    monkeypatch.setattr(redis_clients, "_clients", {})
    with override_settings(REDIS_URL=REDIS, REDIS_PREFIX=f"parlor-marks-{uuid.uuid4().hex[:8]}"):
        yield calls


async def forget() -> None:
    """What a Redis restart does to the mark."""
    from django.conf import settings

    async with Redis.from_url(REDIS) as client:
        await client.delete(f"{settings.REDIS_PREFIX}:mark:{background.SERVER_ID}")


async def test_nothing_is_rejoined_while_redis_remembers(rejoined: list[str]) -> None:
    await memberships.keep()  # the first mark of this loop: the sockets joined just now
    await memberships.keep()
    assert rejoined == []
    await forget()
    await memberships.keep()
    assert rejoined == ["rejoined"]
    await memberships.keep()
    assert rejoined == ["rejoined"]


async def test_a_failing_rejoin_does_not_stop_the_others(rejoined: list[str]) -> None:
    async def broken() -> None:
        raise RuntimeError("group_add failed")

    memberships._rejoins.insert(0, broken)
    await memberships.keep()
    await forget()
    await memberships.keep()
    assert rejoined == ["rejoined"]


async def test_without_redis_there_is_nothing_to_watch(rejoined: list[str]) -> None:
    with override_settings(REDIS_URL=""):
        await memberships.keep()
        await memberships.keep()
    assert rejoined == [] and redis_clients._clients == {}
