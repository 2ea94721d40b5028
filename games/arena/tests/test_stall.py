"""Slow and dead clients: a stalled reader holds one snapshot at most, is dropped, and slows nobody."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.conf import settings

from core.tests.helpers import Sockets, receive_until
from core.transport.consumers import ParlorConsumer

pytestmark = pytest.mark.django_db(transaction=True)
STALL = (b"x-test-stall-after", b"2")


@pytest.fixture
def stalling(monkeypatch: pytest.MonkeyPatch) -> list[ParlorConsumer]:
    """Sockets opened with the STALL header stop taking frames after two, as a client that stops reading."""
    stalled: list[ParlorConsumer] = []
    original = ParlorConsumer.send
    never = asyncio.Event()

    async def send(self: ParlorConsumer, text_data: Any = None, bytes_data: Any = None, close: Any = False) -> None:
        if STALL in self.scope["headers"]:
            self.sent = getattr(self, "sent", 0) + 1
            if self.sent > 2:
                if self not in stalled:
                    stalled.append(self)
                await never.wait()
        await original(self, text_data, bytes_data, close)

    monkeypatch.setattr(ParlorConsumer, "send", send)
    monkeypatch.setitem(settings.PARLOR, "STALL_TIMEOUT", 1.0)
    return stalled


async def test_a_stalled_reader_is_dropped_and_the_others_go_on(ws: Sockets, stalling: list[ParlorConsumer]) -> None:
    """While stalled, nothing queues but the newest snapshot; after the stall timeout its ship leaves."""
    healthy = await ws.connect("/ws/arena/")
    me = (await healthy.receive_json_from(timeout=5))["playerId"]
    slow = ws.communicator("/ws/arena/", headers=[STALL])
    assert (await slow.connect(timeout=5))[0]
    slow_id = (await slow.receive_json_from(timeout=5))["playerId"]
    await receive_until(healthy, "stateUpdate", where=lambda m: {o["id"] for o in m["objects"]} == {me, slow_id})
    while not stalling:
        await asyncio.sleep(0.01)
    consumer = stalling[0]
    for _ in range(5):
        await asyncio.sleep(0.1)
        assert not consumer.reliable and consumer.latest is not None, "only the newest snapshot waits"
    await receive_until(healthy, "stateUpdate", timeout=5, where=lambda m: [o["id"] for o in m["objects"]] == [me])
    await healthy.receive_nothing(timeout=0.05, interval=0.01)
    while not await healthy.receive_nothing(timeout=0.01):
        await healthy.receive_from()
    gaps = []
    last = asyncio.get_running_loop().time()
    for _ in range(10):
        await receive_until(healthy, "stateUpdate", timeout=1)
        now = asyncio.get_running_loop().time()
        gaps.append(now - last)
        last = now
    assert max(gaps) < 0.5, "the healthy client kept receiving every tick"
