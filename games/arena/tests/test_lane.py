"""The arena over the lane: real picows sockets against a lane served in the test's own loop and rooms.

Checked: the hello and per-tick snapshots, steering only your own ship, the page's session being the lane's
user, refusals that name the problem and change nothing, the origin check, and a client that stops
reading being dropped while the others keep every tick.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
from django.conf import settings
from picows import WSError, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from core.rooms.runtime import runtime
from core.tests.helpers import Sockets, make_user, receive_until, send, session_for
from core.transport import lane
from games.arena import snapshots
from games.arena.rules import WORLD, MouseDown

pytestmark = pytest.mark.django_db(transaction=True)


class Client(WSListener):  # type: ignore[misc]
    """A lane client that keeps every text message and each snapshot's arrival."""

    def __init__(self) -> None:
        self.texts: list[dict[str, Any]] = []
        self.frames: list[bytes] = []
        self.arrivals: list[float] = []
        self.changed = asyncio.Event()
        self.close_code: int | None = None

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is WSMsgType.TEXT:
            self.texts.append(json.loads(frame.get_payload_as_bytes()))
        elif frame.msg_type is WSMsgType.BINARY:
            self.frames.append(frame.get_payload_as_bytes())
            self.arrivals.append(asyncio.get_running_loop().time())
        elif frame.msg_type is WSMsgType.CLOSE:
            self.close_code = int(frame.get_close_code())
        self.changed.set()

    async def text(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """The first text message of type ``kind``, waiting for it."""
        async with asyncio.timeout(timeout):
            while True:
                found = [message for message in self.texts if message["type"] == kind]
                if found:
                    self.texts.remove(found[0])
                    return found[0]
                self.changed.clear()
                await self.changed.wait()

    async def ticks(self, count: int, timeout: float = 5) -> None:
        """Wait until ``count`` more snapshots arrived."""
        target = len(self.frames) + count
        async with asyncio.timeout(timeout):
            while len(self.frames) < target:
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def lane_url() -> AsyncIterator[str]:
    """The lane, listening on a free port of this test's loop."""
    server = await lane.serve("127.0.0.1", 0)
    yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    lane.close_all()
    await lane.settle()
    server.close()
    await runtime.reset()


async def join(url: str, path: str = "/arena/main/?sit=1", **headers: str) -> tuple[WSTransport, Client]:
    transport, client = await ws_connect(Client, url + path, extra_headers=headers or None)
    return transport, client


def my_ship(frame: bytes, seat: int) -> tuple[int, ...] | None:
    """Our ship's SHIP record if a keyframe or KEY block of ``frame`` has it (enough for these tests)."""
    at = 12 + struct.unpack_from("<I", frame, 8)[0]
    while at < len(frame):
        kind = frame[at + 1]
        if kind != 0:
            return None
        (count,) = struct.unpack_from("<H", frame, at + 2)
        for index in range(count):
            record = struct.unpack_from("<HHHBbbB", frame, at + 4 + 10 * index)
            if record[0] == seat:
                return record
        at += 4 + 10 * count
        (bullets,) = struct.unpack_from("<H", frame, at)
        at += 2 + 4 * bullets
    return None


async def test_hello_then_a_snapshot_every_tick_and_only_your_own_ship_steers(lane_url: str) -> None:
    """Two players: each is told its seat, gets 20 Hz snapshots, and inputs move its ship alone."""
    a, alice = await join(lane_url)
    b, bob = await join(lane_url)
    seats = (await alice.text("arena.hello"))["seat"], (await bob.text("arena.hello"))["seat"]
    assert seats == (0, 1)
    await alice.ticks(10)
    gaps = [later - earlier for earlier, later in zip(alice.arrivals[-10:], alice.arrivals[-9:], strict=False)]
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(0.05, abs=0.02)
    room = next(iter(runtime.rooms.values()))
    before = room.state.ships[1].facing, room.state.ships[1].thrusting
    a.send(WSMsgType.BINARY, b"\x03" + struct.pack("<f", 1.25))
    a.send(WSMsgType.BINARY, b"\x01")
    a.send(WSMsgType.TEXT, json.dumps({"type": "facing", "facing": 2.5, "playerId": "1"}).encode())
    await alice.ticks(2)
    assert room.state.ships[0].facing == pytest.approx(2.5) and room.state.ships[0].thrusting
    assert (room.state.ships[1].facing, room.state.ships[1].thrusting) == before, "Bob's ship is Bob's alone"
    b.disconnect()
    a.disconnect()


async def test_the_lane_user_is_the_page_session_user(lane_url: str, ws: Sockets) -> None:
    """A logged-in player's lane socket plays the seat their room socket took (the cookie, not the message)."""
    carol = await make_user("Carol")
    session = await session_for(carol)
    page = await ws.connect("/ws/arena/", carol)
    seat = int((await page.receive_json_from(timeout=5))["playerId"])
    transport, client = await join(lane_url, "/arena/main/", Cookie=f"{settings.SESSION_COOKIE_NAME}={session}")
    assert (await client.text("arena.hello"))["seat"] == seat
    await client.ticks(2)
    frame = client.frames[-1] if client.frames[-1][1] & 1 else None
    assert frame is None or my_ship(frame, seat) is not None
    transport.disconnect()


async def test_a_ship_stays_while_any_of_its_players_sockets_is_open(lane_url: str) -> None:
    """Two tabs of one player: closing one keeps the ship and the player online; closing the last removes both."""
    carol = await make_user("Carol")
    cookie = f"{settings.SESSION_COOKIE_NAME}={await session_for(carol)}"
    first, tab = await join(lane_url, Cookie=cookie)
    second, other_tab = await join(lane_url, Cookie=cookie)
    seat = (await tab.text("arena.hello"))["seat"]
    assert (await other_tab.text("arena.hello"))["seat"] == seat
    watcher, watching = await join(lane_url, "/arena/main/")
    await watching.text("arena.hello")
    room = next(iter(runtime.rooms.values()))
    first.disconnect()
    await watching.ticks(5)
    assert seat in room.state.ships and carol.pk in room.online_users()
    second.disconnect()
    async with asyncio.timeout(5):
        while seat in room.state.ships:
            await watching.ticks(1)
    assert carol.pk not in room.online_users() and sum(room.codecs.values()) == len(room.members) == 1
    assert [member for pairs in room.streams().values() for member, _ in pairs] == list(room.members)
    watcher.disconnect()


async def test_a_dropped_player_finds_their_ship_and_score_again_within_the_grace(
    lane_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket lost without a goodbye (a network blip, a reload): the ship waits DROP_IN_GRACE seconds and its
    player gets it back, score and all; one who does not come back loses ship and seat."""
    monkeypatch.setitem(settings.PARLOR, "DROP_IN_GRACE", 1.5)
    carol = await make_user("Carol")
    cookie = f"{settings.SESSION_COOKIE_NAME}={await session_for(carol)}"
    first, tab = await join(lane_url, Cookie=cookie)
    seat = (await tab.text("arena.hello"))["seat"]
    watcher, watching = await join(lane_url, "/arena/main/")
    await watching.text("arena.hello")
    room = next(iter(runtime.rooms.values()))
    ship = room.state.ships[seat]
    ship.score = 3
    first.disconnect()
    await watching.ticks(10)  # half a second: gone from the room, still in the world, drawn away
    assert carol.pk not in room.online_users() and room.state.ships.get(seat) is ship and ship.away
    ship.x = ship.y = WORLD / 2  # where a watcher without a ship looks
    ship.dx = ship.dy = 0.0
    late, newcomer = await join(lane_url, "/arena/main/")  # a fresh viewer's first frame is a keyframe
    await newcomer.ticks(1)
    record = my_ship(newcomer.frames[0], seat)
    assert record is not None and record[6] & snapshots.AWAY, "its flags say away"
    late.disconnect()
    again, back = await join(lane_url, Cookie=cookie)
    assert (await back.text("arena.hello"))["seat"] == seat
    await watching.ticks(40)  # past the first grace: nothing removed it
    assert room.state.ships.get(seat) is ship and ship.score == 3 and not ship.away and not room.holds
    again.disconnect()
    async with asyncio.timeout(5):
        while seat in room.state.ships:
            await watching.ticks(1)
    assert carol.pk not in {s.user_id for s in room.seats} and not room.holds
    watcher.disconnect()


async def test_leaving_takes_the_ship_out_at_once_and_the_player_watches_on(lane_url: str, ws: Sockets) -> None:
    """``room.leave`` in a running world: the ship goes now, the page and the lane turn to watching, and a later
    visit of the page does not bring the ship back."""
    carol = await make_user("Carol")
    cookie = f"{settings.SESSION_COOKIE_NAME}={await session_for(carol)}"
    transport, client = await join(lane_url, Cookie=cookie)
    seat = (await client.text("arena.hello"))["seat"]
    room = next(iter(runtime.rooms.values()))
    page = await ws.connect(f"/ws/room/{room.id}/", carol)
    assert (await receive_until(page, "room.state"))["you"] == {"seat": seat, "seated": True}
    await send(page, {"type": "room.leave"})
    state = await receive_until(page, "room.state", where=lambda m: not m["you"]["seated"])
    assert state["you"] == {"seat": None, "seated": False} and seat not in room.state.ships
    await client.ticks(2)
    assert struct.unpack_from("<H", client.frames[-1], 6)[0] == 0xFFFF, "the lane's frames are a watcher's"
    await ws.disconnect(page)
    transport.disconnect()
    again, back = await join(lane_url, "/arena/main/", Cookie=cookie)
    assert (await back.text("arena.hello"))["seat"] is None
    await back.ticks(2)
    assert seat not in room.state.ships and not room.present
    again.disconnect()


async def test_bad_input_is_refused_by_name_and_changes_nothing(lane_url: str) -> None:
    """Unknown bytes, a short facing, NaN, an unknown JSON type and malformed JSON: an error each, no change."""
    transport, client = await join(lane_url)
    await client.text("arena.hello")
    await client.ticks(1)
    room = next(iter(runtime.rooms.values()))
    ship = room.state.ships[0]
    before = (ship.facing, ship.thrusting, len(room.state.bullets))
    bad = [b"\x09", b"\x03\x00\x00", b"\x03" + struct.pack("<f", float("nan")), b""]
    for data in bad:
        transport.send(WSMsgType.BINARY, data)
    transport.send(WSMsgType.TEXT, b'{"type": "teleport", "x": 5}')
    transport.send(WSMsgType.TEXT, b"{nope")
    errors = [(await client.text("error"))["message"] for _ in range(6)]
    assert "Unknown arena input: 09" in errors[0]
    assert "Unknown arena input: 030000 (3 bytes)" in errors[1]
    assert "finite" in errors[2]
    assert "empty" in errors[3]
    assert "Unknown message type 'teleport'" in errors[4]
    assert "Malformed JSON" in errors[5]
    assert (ship.facing, ship.thrusting, len(room.state.bullets)) == before
    await client.ticks(2)
    transport.disconnect()


async def test_a_foreign_origin_is_refused(lane_url: str) -> None:
    """A page on another site cannot open a lane with the visitor's cookie."""
    with pytest.raises(WSError, match="403"):
        await join(lane_url, Origin="https://evil.example")


async def test_a_client_that_stops_reading_is_dropped_and_the_others_keep_every_tick(
    lane_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stopped reader is skipped while it lags (nothing queues), dropped after the stall timeout, and its ship leaves.

    The server's own bound on a lane socket's buffers (PARLOR_LANE_SEND_BUFFER, default) and 400 more ships
    make the stopped client lag within seconds: with the kernel's self-tuned buffers it took a minute.
    """
    monkeypatch.setitem(settings.PARLOR, "STALL_TIMEOUT", 1.0)
    a, healthy = await join(lane_url)
    b, stopped = await join(lane_url)
    await healthy.text("arena.hello")
    await stopped.text("arena.hello")
    room = next(iter(runtime.rooms.values()))
    for seat in range(100, 500):
        room.game.join(room.state, seat, f"extra {seat}")
        room.game.apply(room.state, seat, MouseDown())
    b.underlying_transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    b.underlying_transport.pause_reading()
    lagging = next(member for member in room.members if room.members[member].seat == 1)
    async with asyncio.timeout(15):
        while lagging.paused_since is None:  # type: ignore[attr-defined]
            await asyncio.sleep(0.05)
        buffered = lagging.transport.underlying_transport.get_write_buffer_size()  # type: ignore[attr-defined]
        while 1 in room.state.ships:
            await asyncio.sleep(0.05)
            assert lagging.transport.underlying_transport.get_write_buffer_size() <= buffered  # type: ignore[attr-defined]
    await healthy.ticks(20)
    gaps = [later - earlier for earlier, later in zip(healthy.arrivals[-20:], healthy.arrivals[-19:], strict=False)]
    assert max(gaps) < 0.25, "the healthy client kept receiving every tick"
    a.disconnect()
