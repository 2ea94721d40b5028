"""Room leases in the real Redis: one owner at a time, renewal, release, expiry, a restarted process's takeover."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.rooms.placement import RedisPlacement, channel_of

REDIS = "redis://127.0.0.1:6379/3"  # the machine's Redis (.ci/run starts it), whatever the pass


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards."""
    prefix = f"parlor-placement-{uuid.uuid4().hex[:8]}"
    yield prefix
    client = Redis.from_url(REDIS)
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def process(prefix: str, name: str, boot: str = "1") -> RedisPlacement:
    return RedisPlacement(REDIS, prefix, f"specific.{name}{boot}!chan", name)


async def test_the_first_claim_owns_the_room_and_others_learn_the_owner(prefix: str) -> None:
    p1, p2 = process(prefix, "p1"), process(prefix, "p2")
    assert await p1.claim("room") is None
    assert await p2.claim("room") == p1.me
    assert await p1.claim("room") is None  # keeping it
    assert await p2.owner("room") == p1.me
    assert channel_of(p1.me) == "specific.p11!chan"


async def test_a_released_room_goes_to_the_next_claim(prefix: str) -> None:
    p1, p2 = process(prefix, "p1"), process(prefix, "p2")
    await p1.claim("room")
    await p2.release("room")  # not its lease: nothing happens
    assert await p2.claim("room") == p1.me
    await p1.release("room")
    assert await p2.claim("room") is None


async def test_an_unrenewed_lease_expires_and_renewal_reports_the_rooms_lost(prefix: str) -> None:
    p1, p2 = process(prefix, "p1"), process(prefix, "p2")
    p1.ms = "150"
    await p1.claim("kept")
    await p1.claim("lost")
    await asyncio.sleep(0.1)
    assert await p1.renew(["kept"]) == []
    await asyncio.sleep(0.1)
    assert await p2.claim("lost") is None  # expired: p1 stopped renewing it
    assert await p1.renew(["kept", "lost"]) == ["lost"]
    assert await p2.owner("kept") == p1.me


async def test_renewal_takes_the_lease_back_after_redis_lost_it(prefix: str) -> None:
    p1 = process(prefix, "p1")
    await p1.claim("room")
    async with Redis.from_url(REDIS) as client:
        await client.delete(f"{prefix}:owner:room")  # as after a Redis restart
    assert await p1.renew(["room"]) == []
    assert await p1.owner("room") == p1.me


async def test_a_restarted_process_takes_its_own_rooms_at_once(prefix: str) -> None:
    """Same PARLOR_PROCESS name, new boot: the dead boot's lease is taken over, another name's is not."""
    old, new, other = process(prefix, "p1", "old"), process(prefix, "p1", "new"), process(prefix, "p10")
    await old.claim("room")
    assert await other.claim("room") == old.me  # "p10" only starts like "p1": it must not take over
    assert await new.claim("room") is None
    assert await old.renew(["room"]) == ["room"]


async def test_the_heartbeat_says_who_is_alive(prefix: str) -> None:
    p1, p2 = process(prefix, "p1"), process(prefix, "p2")
    p1.ms = "150"
    assert not await p2.alive(p1.me)
    await p1.beat()
    assert await p2.alive(p1.me)
    await asyncio.sleep(0.25)
    assert not await p2.alive(p1.me)
