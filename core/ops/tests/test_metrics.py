"""``/metrics``: what a Prometheus scrape of a process serving the arena shows."""

from __future__ import annotations

import json
import struct

import pytest
from django.test import AsyncClient
from picows import WSMsgType
from prometheus_client.parser import text_string_to_metric_families

from core.rooms.runtime import runtime
from core.tests.helpers import Sockets
from games.arena.tests.test_lane import join, lane_url  # noqa: F401  (the lane fixture)

pytestmark = pytest.mark.django_db(transaction=True)


async def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics`` by (name, sorted labels)."""
    response = await AsyncClient().get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


async def test_a_scrape_shows_sockets_rooms_ticks_actions_and_errors(lane_url: str, ws: Sockets) -> None:  # noqa: F811
    """Two lane players and one lobby socket: counted by transport, the arena ticks, inputs and refusals add up."""
    before = await scrape()
    await ws.connect("/ws/lobby/")
    a, alice = await join(lane_url)
    b, bob = await join(lane_url)
    await alice.text("arena.hello")
    await bob.text("arena.hello")
    await alice.ticks(5)
    a.send(WSMsgType.BINARY, b"\x01")
    a.send(WSMsgType.BINARY, b"\x03" + struct.pack("<f", 1.0))
    a.send(WSMsgType.TEXT, json.dumps({"type": "warp"}).encode())
    await alice.text("error")
    await alice.ticks(2)
    room = next(iter(runtime.rooms.values()))
    after = await scrape()

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert after[("parlor_connections", (("transport", "lane"),))] == 2
    assert after[("parlor_connections", (("transport", "asgi"),))] >= 1
    assert after[("parlor_rooms", (("game", "arena"),))] == 1
    assert grew("parlor_tick_seconds_count", game="arena", room=room.id) >= 7
    assert grew("parlor_tick_lateness_seconds_count", game="arena", room=room.id) >= 7
    assert grew("parlor_tick_write_seconds_count", game="arena", room=room.id) >= 7
    assert grew("parlor_actions_total", game="arena") >= 2
    assert grew("parlor_errors_total", kind="bad_message") == 1
    a.disconnect()
    b.disconnect()


async def test_an_unloaded_room_leaves_no_tick_series(lane_url: str) -> None:  # noqa: F811
    """A room's tick histograms go when it unloads, so a long-lived process does not accumulate series."""
    a, alice = await join(lane_url)
    await alice.ticks(2)
    room = next(iter(runtime.rooms.values()))
    assert any(key[0] == "parlor_tick_seconds_count" and ("room", room.id) in key[1] for key in await scrape())
    a.disconnect()
    await runtime.reset()
    assert not any(("room", room.id) in key[1] for key in await scrape())
