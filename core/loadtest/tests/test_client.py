"""The load client without Parlor: its statistics, its URLs, and real round trips against tiny picows servers."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import struct
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

from core.loadtest.client import Listener, Plan, Stats, largest_held, percentile, ramp, window_gaps
from core.loadtest.players import is_type, lane_url
from core.rooms.management.commands.loadtest import socket_url

PERIOD = 0.02  # the fake servers' tick: 50 Hz, so a short window still holds many gaps


def test_percentile_is_the_nearest_rank_below() -> None:
    ordered = [float(x) for x in range(1, 101)]
    assert (percentile(ordered, 50), percentile(ordered, 99), percentile(ordered, 100)) == (51.0, 100.0, 100.0)
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 50))


def test_largest_held_says_when_it_is_only_a_lower_bound() -> None:
    assert largest_held([]) == (0, "")
    steps = [{"n": 10, "held": True}, {"n": 50, "held": True}, {"n": 100, "held": False}]
    assert largest_held(steps) == (50, "")
    assert largest_held(steps[:2]) == (50, "+")


def test_window_gaps_end_inside_the_window_and_count_the_open_one() -> None:
    gaps, received = window_gaps([0.9, 1.0, 1.05, 1.1, 2.5], 1.0, 2.0)
    assert [round(g, 3) for g in gaps] == [0.1, 0.05, 0.05, 0.9]  # the first anchored before t0; 2.5 is after t1
    assert received == 3
    assert window_gaps([], 1.0, 2.0) == ([1.0], 0)  # a client that got nothing shows the whole window
    assert window_gaps([0.5], 1.0, 2.0) == ([1.5], 0)


def test_is_type_reads_the_ends_of_a_frame() -> None:
    assert is_type(b'{"type":"stateUpdate","objects":[' + b"1," * 100 + b"1]}", b'"stateUpdate"')
    assert not is_type(b'{"type":"error","message":"' + b"x" * 100 + b'"}', b'"stateUpdate"')
    assert is_type(b'{"objects":[' + b"1," * 100 + b'1],"type":"stateUpdate"}', b'"stateUpdate"')
    assert is_type(b'{"a":[' + b"1," * 100 + b'1],"type":"stateUpdate","b":[' + b"1," * 100 + b"1]}", b'"stateUpdate"')


def test_lane_url_takes_a_seat_and_the_key_once() -> None:
    url = "ws://127.0.0.1:8001/arena/main/"
    assert lane_url(url) == url + "?sit=1"
    assert lane_url(url, "k3y") == url + "?sit=1&key=k3y"
    assert lane_url(lane_url(url, "k3y"), "k3y") == url + "?sit=1&key=k3y"
    assert lane_url(url + "?key=mine&sit=1", "other") == url + "?key=mine&sit=1"


class FakeSocket(WSListener):
    """One client of a fake server: welcomed at once, each input recorded, the first answered with an error."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.paused_since: float | None = None
        self.answered = False
        self.sent = 0  # bytes of updates handed to the transport

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.server.sockets.add(self)
        self.server.seen.append(self)
        if self.server.send_buffer:
            raw = transport.underlying_transport
            raw.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.server.send_buffer)
            raw.set_write_buffer_limits(high=self.server.send_buffer)
        for message in self.server.welcome:
            transport.send(WSMsgType.TEXT, json.dumps(message).encode())

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type in (WSMsgType.TEXT, WSMsgType.BINARY):
            self.server.inputs.append(frame.get_payload_as_bytes())
            if not self.answered:
                self.answered = True
                transport.send(WSMsgType.TEXT, b'{"type":"error","message":"not now"}')

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.server.sockets.discard(self)

    def pause_writing(self) -> None:
        self.paused_since = time.perf_counter()

    def resume_writing(self) -> None:
        self.paused_since = None


class FakeServer:
    """A seed or lane server in miniature: an update to every client each PERIOD; it drops clients that stall."""

    def __init__(
        self, protocol: str, padding: int = 200, welcome: list[dict[str, object]] | None = None, send_buffer: int = 0
    ) -> None:
        self.protocol, self.padding, self.send_buffer = protocol, padding, send_buffer
        self.welcome = welcome or [
            {"type": "playerId", "playerId": "7"}
            if protocol == "seed"
            else {"type": "arena.hello", "room": "main", "seat": 0, "tick_hz": 20}
        ]
        self.sockets: set[FakeSocket] = set()
        self.seen: list[FakeSocket] = []  # every socket that connected, closed or not
        self.inputs: list[bytes] = []
        self.paths: list[str] = []

    def frame(self, tick: int) -> tuple[WSMsgType, bytes]:
        """This tick's update: JSON text for the seed, a binary snapshot (kind 1, tick at offset 2) for the lane."""
        if self.protocol == "seed":
            return WSMsgType.TEXT, b'{"type":"stateUpdate","objects":["' + b"x" * self.padding + b'"]}'
        return WSMsgType.BINARY, struct.pack("<BBIHI", 1, 0, tick, 0, 0) + b"\0" * self.padding

    def listener(self, request: WSUpgradeRequest) -> FakeSocket:
        self.paths.append(request.path.decode())
        return FakeSocket(self)

    async def tick(self) -> None:
        """Send each tick's update; a client whose socket stopped taking data for 0.1 s is cut off."""
        tick = 1
        while True:
            await asyncio.sleep(PERIOD)
            kind, frame = self.frame(tick)
            for client in list(self.sockets):
                if client.paused_since is None:
                    client.transport.send(kind, frame)
                    client.sent += len(frame)
                elif time.perf_counter() - client.paused_since > 0.1:
                    client.transport.disconnect(graceful=False)
            tick += 1


async def run_against(
    fake: FakeServer, steps: list[int], listener: Listener | None = None, **options: float
) -> list[Stats]:
    """A ramp of ``steps`` against ``fake`` (started for it, stopped after): each step's figures."""
    server = await ws_create_server(fake.listener, "127.0.0.1", 0)
    ticker = asyncio.create_task(fake.tick())
    port = server.sockets[0].getsockname()[1]
    url = f"ws://127.0.0.1:{port}{'/ws/arena/' if fake.protocol == 'seed' else '/arena/main/'}"
    try:
        window, settle = options.pop("window", 0.4), options.pop("settle", 0.1)
        return await ramp(Plan(url, fake.protocol, steps, window, settle, **options), listener)
    finally:
        ticker.cancel()
        server.close()


@pytest.mark.parametrize("protocol", ["seed", "parlor"])
async def test_round_trip_records_gaps_bytes_inputs_and_error_replies(protocol: str) -> None:
    """Three clients join, send input and timestamp 50 Hz updates; the fake's one error reply each is counted."""
    fake = FakeServer(protocol)
    [stats] = await run_against(fake, [3])
    assert stats["connected"] == 3 and stats["step_failures"] == 0 and stats["dropped"] == 0
    assert 10 <= stats["p50"] <= 60 and stats["max"] < 400, stats  # the fake's 20 ms tick, on a busy machine too
    assert stats["gaps"] >= 3 * 10 and stats["per_client_hz"] > 25
    assert stats["bytes_per_s"] > 3 * 25 * 200
    assert stats["rejected"] == 3 and stats["errors"] == 3  # each client's first input was answered with an error
    assert stats["stalled"] == stats["stalled_dropped"] == stats["skipped"] == 0
    if protocol == "seed":
        facing = [json.loads(m) for m in fake.inputs if b'"facing"' in m]
        assert facing and all(m["playerId"] == "7" and 0 <= m["facing"] < 2 * math.pi for m in facing)
    else:
        assert fake.paths == ["/arena/main/?sit=1"] * 3
        facing = [m for m in fake.inputs if m[:1] == b"\x03"]
        assert facing and all(len(m) == 5 and 0 <= struct.unpack("<f", m[1:])[0] < 2 * math.pi for m in facing)
        assert set(fake.inputs) - set(facing) <= {b"\x01", b"\x02", b"\x04"}


async def test_a_stalled_client_is_left_out_of_the_gaps_and_its_drop_reported_apart() -> None:
    """Every other client stops reading: the fake cuts it off (seen once it reads again); its gaps are not counted,
    in that step or later ones, and the next step opens new clients in its place."""
    fake = FakeServer("parlor", padding=256 * 1024)  # big snapshots: a client that stops reading fills up at once
    first, second = await run_against(fake, [2, 3], stall_fraction=0.5)
    for stats in (first, second):
        assert stats["stalled"] == 1 and stats["stalled_dropped"] == 1 and stats["dropped"] == 0, stats
        assert stats["max"] < 400 and stats["per_client_hz"] > 25, stats  # the stalled one's gap would span a window
    assert (first["connected"], second["connected"]) == (1, 2)  # 3 took part in the second: the one cut off is gone


async def test_a_stall_buffer_shrinks_what_a_stopped_client_takes_before_the_server_sees_it_stop() -> None:
    """With the system's receive buffer a stopped client takes in over twice as much before the server sees it stop
    (on one machine, the server's kernel memory); with stall_buffer 4096, little more than the server's buffers."""
    taken = {}
    for buffer in (0, 4096):
        fake = FakeServer("parlor", padding=16 * 1024, send_buffer=4096)
        [stats] = await run_against(fake, [2], stall_fraction=0.5, stall_buffer=buffer)
        assert stats["stalled"] == 1 and stats["stalled_dropped"] == 1, stats
        taken[buffer] = min(client.sent for client in fake.seen)  # the other one read every update
    assert 2 * taken[4096] < taken[0], taken  # here 49 kB against 180 kB


class Notes(Listener):
    """Keeps the ramp's notes."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


@pytest.mark.parametrize("protocol", ["seed", "parlor"])
async def test_an_error_before_joining_is_a_failure_with_its_reason(protocol: str) -> None:
    """The server's error before the welcome is the connect failure's reason, told once."""
    notes = Notes()
    fake = FakeServer(protocol, welcome=[{"type": "error", "message": "Room is full."}])
    [stats] = await run_against(fake, [2], notes, window=0.1, settle=0)
    assert stats["step_failures"] == 2 and stats["connected"] == 0 and not stats["held"]
    assert notes.notes == ["connect failed: ValueError: server said: Room is full."]


def test_the_command_takes_a_seed_socket_or_a_lane_url() -> None:
    assert socket_url("http://127.0.0.1:8000", "seed") == "ws://127.0.0.1:8000/ws/arena/"
    assert socket_url("ws://h:8001", "parlor") == "ws://h:8001/arena/main/?sit=1"
    assert socket_url("ws://h:8001/arena/r1/?key=k", "parlor") == "ws://h:8001/arena/r1/?key=k&sit=1"
    with pytest.raises(CommandError, match="not a lane URL"):
        socket_url("http://h:8000/room/r1/", "parlor")


@pytest.mark.parametrize(("option", "value"), [("--stall", "1"), ("--stall-buffer", "-1")])
def test_the_command_refuses_a_stall_it_cannot_make(option: str, value: str) -> None:
    with pytest.raises(CommandError, match=option):
        call_command("loadtest", "ws://127.0.0.1:9/ws/arena/", option, value)
