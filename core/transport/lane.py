"""The lane: a lean websocket endpoint beside Channels, for real-time games' binary snapshots and inputs.

picows serves it on its own port (``PARLOR_LANE_PORT``) inside the server process, on the same event
loop and rooms as the Channels sockets. An ASGI server frames and schedules every message in Python; the
lane sends each one with a single C call (benchmarks/ws_servers.py). A lane socket is a room member like
any other: authenticated by the page's session cookie, origin-checked, rate-limited, validated at the edge.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit

import msgspec
from channels.auth import get_user
from django.conf import settings
from django.http.cookie import parse_cookie
from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from core.accounts.models import User
from core.accounts.services import socket_user
from core.ops import logs, metrics
from core.rooms.placement import RoomElsewhere
from core.rooms.protocol import IllegalAction

from . import closecodes, wire
from .origin import origin_allowed
from .ratelimit import Flood, refuse

if TYPE_CHECKING:
    from core.rooms.codecs import Codec
    from core.rooms.live import LiveRoom

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """A game's lane: ``open`` seats and attaches a new socket; ``decode`` reads a binary input or raises BadMessage."""

    open: Callable[[LaneSocket, str, dict[str, str]], Awaitable[None]]
    decode: Callable[[bytes], tuple[str, msgspec.Struct]]


_routes: dict[str, Route] = {}
_sockets: set[LaneSocket] = set()
_detaching: set[asyncio.Task[None]] = set()  # leaving rooms (a drop-in's seat is removed in the database)
_dropped = metrics.DROPPED.labels("lane")
metrics.count_sockets(lambda: [("lane", len(_sockets))])


def route(prefix: str, handler: Route) -> None:
    """Serve ``/<prefix>/<room id>/`` with ``handler`` (a game's apps.ready registers its lane)."""
    _routes[prefix] = handler


async def session_user(cookie_header: str | None) -> User:
    """The user of the page's session cookie, as the Channels sockets see it; else a fresh guest."""
    key = parse_cookie(cookie_header or "").get(settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    return await socket_user({"user": await get_user(cast(Any, {"session": store}))})


class LaneSocket(WSListener):
    """One lane connection: a room member whose frames are bytes built by its game's per-member codec."""

    user: User
    codec: Codec
    room: LiveRoom | None = None
    transport: WSTransport | None = None

    def __init__(self, handler: Route, room_id: str, query: dict[str, str], cookie: str | None) -> None:
        self.handler, self.room_id, self.query, self.cookie = handler, room_id, query, cookie
        limits = settings.PARLOR
        self.flood = Flood(limits["RATE_PER_SECOND"], limits["RATE_BURST"], int(limits["RATE_STRIKES"]))
        self.paused_since: float | None = None
        self.closing = False
        self.state: Any = None  # the codec's record of what this socket was sent

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        bound_buffers(transport)
        _sockets.add(self)
        task = asyncio.get_running_loop().create_task(self._open(), name="lane:open")
        self._opening = task

    async def _open(self) -> None:
        """Authenticate, then let the game seat and attach this socket; a refusal is an error, then a close."""
        try:
            self.user = await session_user(self.cookie)
            logs.bind(user=self.user.pk)
            await self.handler.open(self, self.room_id, self.query)
        except (IllegalAction, wire.BadMessage) as exc:
            self.push(wire.error(str(exc)))
            self.shut(closecodes.ROOM_NOT_FOUND)
        except RoomElsewhere:
            self.push(wire.error("This room is served by another server now; reconnecting."))
            self.shut(closecodes.RESTARTING)
        except Exception:
            log.exception("lane: could not open room=%s", self.room_id)
            self.push(wire.error("Something went wrong on the server."))
            self.shut(WSCloseCode.INTERNAL_ERROR.value)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        if kind is not WSMsgType.BINARY and kind is not WSMsgType.TEXT or self.closing:
            return
        verdict = self.flood.check()
        if verdict is not None:
            refuse(self, verdict, self.user.pk)
            return
        try:
            room = self.room
            if room is None or room.closed:
                raise wire.BadMessage("Not in a room yet: wait for arena.hello.")
            if kind is WSMsgType.BINARY:
                action_type, action = self.handler.decode(frame.get_payload_as_bytes())
            else:
                action_type, action = self._text_action(room, frame)
            room.act_now(self, action_type, action)
        except (wire.BadMessage, IllegalAction) as exc:
            metrics.ERRORS.labels("illegal_action" if isinstance(exc, IllegalAction) else "bad_message").inc()
            self.push(wire.error(str(exc)))
        except Exception:
            metrics.ERRORS.labels("server_error").inc()
            log.exception("lane: input failed user=%s", self.user.pk)
            self.push(wire.error("Something went wrong on the server with that message."))

    def _text_action(self, room: LiveRoom, frame: WSFrame) -> tuple[str, msgspec.Struct]:
        """A JSON action, as the room socket takes it (for tools and debugging)."""
        limit = int(settings.PARLOR["MAX_MESSAGE_BYTES"])
        message = wire.decode(frame.get_payload_as_utf8_text(), None, max_bytes=limit)
        schema = room.game.actions.get(message["type"])
        if schema is None:
            raise wire.BadMessage(f"Unknown message type {message['type']!r}.")
        return message["type"], wire.convert(message, schema)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        _sockets.discard(self)
        self.closing = True
        if self.room is not None:
            task = asyncio.get_running_loop().create_task(self.room.detach(self), name="lane:detach")
            _detaching.add(task)
            task.add_done_callback(_detaching.discard)

    def pause_writing(self) -> None:
        self.paused_since = time.monotonic()

    def resume_writing(self) -> None:
        self.paused_since = None

    def writable(self) -> bool:
        """Whether a snapshot may be sent now: not while the client lags (a stalled one is dropped)."""
        if self.closing or self.transport is None:
            return False
        if self.paused_since is None:
            return True
        _dropped.inc()
        if time.monotonic() - self.paused_since >= settings.PARLOR["STALL_TIMEOUT"]:
            log.warning("lane: dropping stalled socket user=%s", self.user.pk)
            metrics.SLOW_CLOSED.labels("lane").inc()
            self.closing = True
            self.transport.disconnect(graceful=False)
        return False

    def push(self, frame: str) -> None:
        """Send a text message (a welcome, an error); it is buffered even while the client lags."""
        if not self.closing and self.transport is not None:
            self.transport.send(WSMsgType.TEXT, frame.encode())

    def push_latest(self, frame: str) -> None:
        """Send a text snapshot, or skip it while the client lags."""
        if self.writable():
            self.push(frame)

    def push_bytes(self, frame: bytes) -> None:
        """Send a binary frame (the caller checked ``writable``)."""
        assert self.transport is not None
        self.transport.send(WSMsgType.BINARY, frame)

    def shut(self, code: int) -> None:
        """Close after what is already buffered."""
        if self.closing or self.transport is None:
            return
        self.closing = True
        self.transport.send_close(cast(WSCloseCode, code))
        self.transport.disconnect()


def bound_buffers(transport: WSTransport) -> None:
    """Queue at most ``LANE_SEND_BUFFER`` bytes in the kernel and as much again in the loop for one client.

    Linux grows a socket's send buffer to megabytes by itself, a minute of snapshots for a client that stopped
    reading. Bounded, such a client lags once this and its own receive window are full."""
    size = int(settings.PARLOR["LANE_SEND_BUFFER"])
    raw = transport.underlying_transport
    sock = raw.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
    raw.set_write_buffer_limits(high=size)


def _listener(request: WSUpgradeRequest) -> LaneSocket | WSUpgradeResponseWithListener | None:
    """Route a handshake: ``/<game>/<room id>/`` with an allowed Origin, else 404 or 403."""
    origin = request.headers.get("Origin")
    if not origin_allowed(origin.encode() if origin is not None else None):
        return WSUpgradeResponseWithListener(WSUpgradeResponse.create_error_response(403), None)
    target = urlsplit(request.path.decode("latin-1"))
    parts = [part for part in target.path.split("/") if part]
    handler = _routes.get(parts[0]) if len(parts) == 2 else None
    if handler is None:
        return None
    query = dict(parse_qsl(target.query))
    return LaneSocket(handler, parts[1], query, request.headers.get("Cookie"))


async def serve(host: str, port: int) -> asyncio.Server:
    """Start the lane's listener; sockets are handed to the routes the games registered."""
    limit = int(settings.PARLOR["MAX_MESSAGE_BYTES"])
    return await ws_create_server(
        _listener, host, port, max_frame_size=limit, websocket_handshake_timeout=5,
        enable_auto_ping=True, auto_ping_idle_timeout=20, auto_ping_reply_timeout=20, use_aiofastnet=False,
    )  # fmt: skip


def close_all() -> None:
    """Tell every lane client to reconnect (the server is stopping)."""
    for lane_socket in list(_sockets):
        lane_socket.shut(closecodes.RESTARTING)


async def settle(timeout: float = 5.0) -> None:
    """Wait until closed sockets have left their rooms (a stopping server finishes that work first)."""
    for _ in range(int(timeout / 0.05)):
        if not _sockets and not _detaching:
            return
        await asyncio.sleep(0.05)
