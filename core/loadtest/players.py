"""The simulated players: one picows listener per websocket, timestamping each update as its frame is parsed.

A player recognises its protocol's update frames without decoding them, so the client costs little per update.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import socket
import struct
import time
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from picows import WSError, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

TICK = 0.05
TAU = 2 * math.pi
TIMEOUT = 10.0  # every wait on a server (handshake and join) is bounded by this
MAX_FRAME = 64 * 1024 * 1024  # a seed update lists every ship: large at thousands of players
PROTOCOLS = ("seed", "parlor")
UPDATE = b'"stateUpdate"'  # the seed's per-tick frame type
SNAPSHOT = 1  # the lane's per-tick binary message kind (first byte)
TEXT, BINARY, CLOSE = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CLOSE
FACING = struct.Struct("<Bf")
TICK_AT = struct.Struct("<xxI")
clock = time.perf_counter
FAILURES = (OSError, TimeoutError, WSError, ValueError, KeyError, TypeError)


def is_type(frame: bytes, quoted: bytes) -> bool:
    """Whether a frame's "type" is ``quoted`` (e.g. b'"stateUpdate"'), reading only its ends when "type" is there."""
    if frame.find(quoted, 0, 48) >= 0 or frame.find(quoted, len(frame) - 48) >= 0:
        return True
    if frame.find(b'"type"', 0, 16) >= 0 or frame.find(b'"type"', len(frame) - 48) >= 0:
        return False
    try:  # "type" in the middle: decode, the slow path
        message = json.loads(frame)
    except ValueError:
        return False
    return isinstance(message, dict) and json.dumps(message.get("type")).encode() == quoted


def lane_url(url: str, key: str | None = None) -> str:
    """A lane URL that takes a seat (``sit=1``) and carries the room's join key, each added only if missing."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {name for name, _ in query}
    extra = [("sit", "1")] if "sit" not in names else []
    extra += [("key", key)] if key and "key" not in names else []
    return urlunsplit(parts._replace(query=urlencode(query + extra))) if extra else url


class Player(WSListener):
    """One simulated player: joins with a ship of its own, then sends input when asked and timestamps updates.

    ``arrivals`` holds each update's perf_counter time, ``received`` the payload bytes of every frame."""

    protocol: ClassVar[str]
    period: ClassVar[float]  # seconds between two calls of ``send``

    def __init__(self, rng: random.Random) -> None:
        self.phase = rng.uniform(0, TAU)  # the ship's facing turns slowly from here: phase + 0.5 rad/s
        self.ticks = rng.randrange(40)  # spreads the occasional inputs over the calls of ``send``
        self.arrivals: list[float] = []
        self.arrive = self.arrivals.append  # bound once: the list is only ever trimmed in place
        self.received = self.rejected = self.tick = 0
        self.alive = self.opened = self.closing = self.stalled = False
        self.shed = False  # the server dropped it while it was not reading: left out of later steps' figures
        self.dropped_at: float | None = None  # when the server closed a joined socket
        self.failure = ""
        self.transport: WSTransport | None = None
        self.joined: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def open(self, url: str) -> bool:
        """Connect and join within TIMEOUT; on failure keep the reason in ``failure``."""
        try:
            async with asyncio.timeout(TIMEOUT):
                await ws_connect(lambda: self, url, websocket_handshake_timeout=TIMEOUT, max_frame_size=MAX_FRAME)
                await self.joined
        except FAILURES as error:
            self.failure = f"{type(error).__name__}: {error}"
            self.alive = self.opened = False
            if self.joined.done() and not self.joined.cancelled():
                self.joined.exception()  # retrieved: not logged as never retrieved
            self.joined.cancel()
            self.close()
            return False
        return True

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        """Before joining, the join fails; after, a close we didn't ask for is a drop."""
        if not self.joined.done():
            self.joined.set_exception(ConnectionError("closed before joining"))
        elif self.alive and not self.closing:
            self.dropped_at = time.perf_counter()
        self.alive = False

    def _other(self, frame: WSFrame) -> None:
        """A frame that is not an update (its bytes already counted): text is decoded (join, error replies);
        a close is answered."""
        if frame.msg_type is TEXT:
            self._text(frame.get_payload_as_bytes())
        elif frame.msg_type is CLOSE and self.transport is not None:
            self.transport.send_close(frame.get_close_code())
            self.transport.disconnect()

    def _text(self, payload: bytes) -> None:
        """A JSON message: before joining, the join or its failure; after, only error replies count."""
        try:
            message: Any = json.loads(payload)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            if not self.joined.done():
                self.joined.set_exception(ValueError(f"not a JSON object: {payload[:80]!r}"))
        elif message.get("type") == "error":
            if self.joined.done():
                self.rejected += 1
            else:
                self.joined.set_exception(ValueError(f"server said: {message.get('message')}"))
        elif not self.joined.done():
            try:
                if self.join(message):
                    self.alive = self.opened = True
                    self.joined.set_result(None)
            except FAILURES as error:
                self.joined.set_exception(error)

    def join(self, message: dict[str, Any]) -> bool:
        """Whether ``message`` completes the join (it raises if the server refused a seat)."""
        raise NotImplementedError

    def send(self, now: float) -> None:
        """This tick's input; ``transport.send`` writes at once, nothing is awaited."""
        raise NotImplementedError

    def stall(self, buffer: int = 0) -> None:
        """Stop reading: the kernel's buffers fill, then the server sees a client whose TCP window is shut.

        ``buffer`` (bytes, 0: the system's) shrinks the socket's receive queue first. On the server's own machine
        that queue is the server's kernel memory, so a small one leaves it what a remote client would cost."""
        if self.transport is not None and self.alive:
            self.stalled = True
            raw = self.transport.underlying_transport
            sock = raw.get_extra_info("socket")
            if buffer and sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
            raw.pause_reading()

    def resume(self) -> None:
        """Read again: the backlog first, then the live updates (or the close the server left behind)."""
        if self.stalled and self.transport is not None and self.alive:
            self.transport.underlying_transport.resume_reading()
        self.stalled = False

    def caught_up(self, since: float) -> bool:
        """Whether updates arrive at the live pace again since ``since``, so any backlog was read."""
        times = self.arrivals
        return len(times) >= 2 and times[-2] >= since and times[-1] - times[-2] >= TICK / 2

    def close(self) -> None:
        """Drop the connection at once (no closing handshake to wait for)."""
        self.closing = True
        if self.transport is not None:
            self.transport.disconnect(graceful=False)


class SeedPlayer(Player):
    """The seed's JSON protocol: ``playerId`` first, then a ``stateUpdate`` text frame per tick."""

    protocol = "seed"
    period = TICK

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        """An update is told by its first bytes, where the server writes "type"; the rest is never decoded."""
        now = clock()
        view = frame.get_payload_as_memoryview()
        self.received += len(view)
        if UPDATE in view[:48].tobytes() or frame.msg_type is TEXT and is_type(frame.get_payload_as_bytes(), UPDATE):
            self.arrive(now)
        else:
            self._other(frame)

    def join(self, message: dict[str, Any]) -> bool:
        """``playerId``: inputs echo it verbatim."""
        if message.get("type") != "playerId":
            return False
        field = ',"playerId":' + json.dumps(message["playerId"])
        self.facing_prefix = '{"type":"facing"' + field + ',"facing":'
        self.down = ('{"type":"mouseDown"' + field + "}").encode()
        self.up = ('{"type":"mouseUp"' + field + "}").encode()
        return True

    def send(self, now: float) -> None:
        """Facing every tick, and every second thrust on or off."""
        transport = self.transport
        assert transport is not None
        transport.send(TEXT, f"{self.facing_prefix}{(self.phase + 0.5 * now) % TAU:.4f}}}".encode())
        if self.ticks % 20 == 0:
            transport.send(TEXT, self.down if self.ticks % 40 == 0 else self.up)
        self.ticks += 1


class ParlorPlayer(Player):
    """Parlor's lane (binary): ``arena.hello`` with a seat, then a snapshot per tick whose first byte is 1."""

    protocol = "parlor"
    period = 2 * TICK  # our page sends facing at most this often

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        """A snapshot is the only frame whose first byte is 1 (JSON starts with "{", a close code with 3 or more).

        So ``msg_type``, which costs as much as the rest (an enum built per call), is read only for the others."""
        now = clock()
        view = frame.get_payload_as_memoryview()
        size = len(view)
        self.received += size
        if size >= 6 and view[0] == SNAPSHOT:
            self.arrive(now)
            self.tick = TICK_AT.unpack_from(view)[0]
        else:
            self._other(frame)

    def join(self, message: dict[str, Any]) -> bool:
        """``arena.hello`` with a seat; one without a seat is a refusal."""
        if message.get("type") != "arena.hello":
            return False
        if message["seat"] is None:
            raise ValueError(f"no seat in room {message.get('room')}")
        return True

    def send(self, now: float) -> None:
        """Facing (called at 10 Hz), thrust toggled every second, a shot every two seconds."""
        transport, count = self.transport, self.ticks
        assert transport is not None
        transport.send(BINARY, FACING.pack(3, (self.phase + 0.5 * now) % TAU))
        if count % 10 == 0:
            transport.send(BINARY, b"\x01" if count % 20 == 0 else b"\x02")
        if count % 20 == 5:
            transport.send(BINARY, b"\x04")
        self.ticks = count + 1


PLAYERS: dict[str, type[Player]] = {"seed": SeedPlayer, "parlor": ParlorPlayer}


async def send_input(players: list[Player], period: float, slots: int) -> None:
    """Every joined client's input each ``period``, from one task: client i sends in phase i % slots of it."""
    due, slot = time.perf_counter(), 0
    while True:
        for player in players[slot::slots]:
            if player.alive:
                player.send(due)
        slot = (slot + 1) % slots
        due += period / slots
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
