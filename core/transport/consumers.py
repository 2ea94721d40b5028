"""The base of every Parlor websocket: identity, limits, validation, notifications, presence.

Consumers stay thin: they turn frames into validated calls and push what the services
return. All outbound frames go through one outbox per socket, drained by its own writer task,
so a slow reader never blocks a room's fan-out:
- reliable frames queue, bounded; overflowing closes the socket (the client reconnects and gets the full state);
- snapshots (``push_latest``) take one slot: a newer one replaces the one not yet sent;
- a send blocked for PARLOR["STALL_TIMEOUT"] seconds drops the client (it leaves its room).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import msgspec
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from core import background
from core.accounts.models import User
from core.accounts.services import socket_user
from core.ops import logs, metrics
from core.rooms.protocol import IllegalAction

from . import closecodes, groups, handlers, memberships, wire
from .ratelimit import Flood, refuse

log = logging.getLogger(__name__)
_open: weakref.WeakSet[ParlorConsumer] = weakref.WeakSet()
_dropped = metrics.DROPPED.labels("asgi")
metrics.count_sockets(lambda: [("asgi", len(_open))])


@memberships.on_forgotten
async def _rejoin_groups() -> None:
    """Redis lost the groups (restarted): put every open socket back in the groups it had joined."""
    for socket in list(_open):
        for group in socket.joined:
            await socket.channel_layer.group_add(group, socket.channel_name)


Method = Callable[[Any, Any], Awaitable[None]]


class Ping(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "ping"}``: answered with ``pong``; keeps idle proxies from closing the socket."""


class ParlorConsumer(AsyncWebsocketConsumer):
    """Shared behaviour of the lobby and room sockets; subclasses add ``routes`` and hooks."""

    routes: ClassVar[dict[str, tuple[type[msgspec.Struct], str]]] = {"ping": (Ping, "on_ping")}
    notifications: ClassVar[bool] = True
    user: User
    session_key: str | None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch minus its thread hop per message to close old database connections.

        Every query here already runs through database_sync_to_async, which closes them; the hop
        was 29% of a loaded server's time (benchmarks/connect4_latency.py, profiled with py-spy).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        """Authenticate (a guest if anonymous), accept, subscribe to notification scopes."""
        limits = settings.PARLOR
        self.user = await socket_user(dict(self.scope))
        logs.bind(user=self.user.pk)  # this socket's task and the tasks it starts log the user
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        self.flood = Flood(limits["RATE_PER_SECOND"], limits["RATE_BURST"], int(limits["RATE_STRIKES"]))
        self.reliable: deque[str | None] = deque()
        self.latest: str | None = None
        self.wake = asyncio.Event()
        self.sending_since: float | None = None
        self.closing = False
        self.joined: list[str] = []
        await self.accept()
        _open.add(self)
        self.writer = asyncio.create_task(self._write())
        if self.notifications:
            for group in await groups.for_socket(self.user, self.session_key):
                await self.join_group(group)
        background.ensure_started()
        for hook in handlers.open_hooks():
            await hook(self)
        await self.opened()

    async def disconnect(self, code: int) -> None:
        """Leave every group, run the subclass hook, stop the writer."""
        if not hasattr(self, "writer"):
            return
        _open.discard(self)
        try:
            await self.closed()
            for hook in handlers.close_hooks():
                await hook(self)
        finally:
            for group in self.joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            self.writer.cancel()

    async def join_group(self, group: str) -> None:
        """Subscribe this socket to a channel-layer group until it closes."""
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.append(group)

    async def opened(self) -> None:
        """Hook: the socket is accepted and subscribed."""

    async def closed(self) -> None:
        """Hook: the socket is gone."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Rate-limit, decode, validate and dispatch one frame; any refusal is an error reply."""
        if self.closing:
            return
        verdict = self.flood.check()
        if verdict is not None:
            refuse(self, verdict, self.user.pk)
            return
        kind = "?"
        try:
            message = wire.decode(text_data, bytes_data, max_bytes=int(settings.PARLOR["MAX_MESSAGE_BYTES"]))
            kind = message["type"][:40]
            await self.dispatch_message(message)
        except (wire.BadMessage, IllegalAction) as exc:
            metrics.ERRORS.labels("illegal_action" if isinstance(exc, IllegalAction) else "bad_message").inc()
            self.push(wire.error(str(exc)))
        except Exception:
            metrics.ERRORS.labels("server_error").inc()
            log.exception("handler failed user=%s type=%r", self.user.pk, kind)
            self.push(wire.error("Something went wrong on the server with that message."))

    async def dispatch_message(self, message: wire.JSON) -> None:
        """Route a decoded message to this consumer's route, a registered handler, or ``unknown``."""
        kind = message["type"]
        route = self.routes.get(kind)
        if route is not None:
            schema, method = route
            await getattr(self, method)(wire.convert(message, schema))
            return
        registered = handlers.lookup(kind)
        if registered is not None:
            schema, handler = registered
            await handler(self, wire.convert(message, schema))
            return
        await self.unknown(message)

    async def unknown(self, message: wire.JSON) -> None:
        """Hook for types no route knows (the room consumer passes them to the game)."""
        raise wire.BadMessage(f"Unknown message type {message['type']!r}.")

    async def on_ping(self, message: Ping) -> None:
        """Answer a ping."""
        self.push(wire.encode({"type": "pong"}))

    def push(self, frame: str) -> None:
        """Queue an encoded frame; a socket that cannot keep up is closed, never waited for."""
        if self.closing or self._stalled():
            return
        if len(self.reliable) >= settings.PARLOR["OUTBOX_SIZE"]:
            log.warning("closing slow socket user=%s", self.user.pk)
            metrics.SLOW_CLOSED.labels("asgi").inc()
            self.shut(closecodes.TOO_SLOW)
            return
        self.reliable.append(frame)
        self.wake.set()

    def push_latest(self, frame: str) -> None:
        """Offer a snapshot: it replaces any snapshot this socket has not been sent yet."""
        if self.closing or self._stalled():
            return
        if self.latest is not None:
            _dropped.inc()
        self.latest = frame
        self.wake.set()

    def send_json(self, message: wire.JSON) -> None:
        """Encode and queue one message for this socket only."""
        self.push(wire.encode(message))

    def shut(self, code: int) -> None:
        """Close after the frames already queued."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        self.reliable.append(None)
        self.wake.set()

    def _stalled(self) -> bool:
        """Whether a send has been blocked too long; if so, have the consumer drop this client."""
        if self.sending_since is None or time.monotonic() - self.sending_since < settings.PARLOR["STALL_TIMEOUT"]:
            return False
        self.closing = True
        self.stall_task = asyncio.create_task(self.channel_layer.send(self.channel_name, {"type": "parlor.stalled"}))
        return True

    async def parlor_stalled(self, event: wire.JSON) -> None:
        """Channel-layer event sent by ``_stalled``: leave everything and stop serving this socket."""
        log.warning("dropping stalled socket user=%s", self.user.pk)
        metrics.SLOW_CLOSED.labels("asgi").inc()
        await self.disconnect(closecodes.TOO_SLOW)
        raise StopConsumer()

    async def _write(self) -> None:
        """Drain the outbox in order, reliable frames before the latest snapshot; a None closes the socket."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.reliable or self.latest is not None:
                if self.reliable:
                    frame = self.reliable.popleft()
                    if frame is None:
                        await self.close(code=self.close_code)
                        return
                else:
                    frame, self.latest = self.latest, None
                self.sending_since = time.monotonic()
                await self.send(text_data=frame)
                self.sending_since = None

    async def frame_push(self, event: wire.JSON) -> None:
        """Channel-layer event ``frame.push``: a frame encoded once by the sender, for this socket."""
        self.push(event["frame"])
