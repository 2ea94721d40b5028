"""Rooms across processes: a socket whose room another process owns has its requests forwarded to the owner.

- On the socket's process, a ``RemoteRoom`` stands for the room: each request (attach, act, sit, ...) goes to
  the owner's process channel as a ``room.op`` message.
- On the owner, a ``RemoteMember`` stands for the socket: it is a room member like any other, and what the room
  pushes to it goes back to the socket's channel, in order.
- The owner applies requests through ``perform``, the same code a local socket uses, so a forwarded request
  gets the same checks, the same refusals and the same order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from core.accounts.models import User
from core.transport import closecodes, wire

from . import registry
from .codecs import STATE
from .placement import channel_of
from .protocol import IllegalAction

if TYPE_CHECKING:
    from .codecs import Codec
    from .live import LiveRoom
    from .membership import Member
    from .runtime import RoomRuntime

log = logging.getLogger(__name__)

ANSWER_SECONDS = 2.0  # an owner that has not answered an attach by then is taken for dead: the socket reconnects


async def perform(room: LiveRoom, member: Member, op: str, data: wire.JSON) -> None:
    """One request of a room socket, applied by the room's owner (for a local or a forwarded socket)."""
    user = member.user
    if op == "act":
        await room.act(member, data)
    elif op == "sit":
        await room.sit(user, data.get("key"))
        if member.codec.shared:
            await room.refresh(member)
    elif op == "leave":
        await room.leave(user)
    elif op == "start":
        await room.start(user)
    elif op == "rematch":
        await room.ask_rematch(user)
    elif op == "resign":
        await room.resign(user)
    elif op == "claim":
        await room.claim(user)
    else:
        raise wire.BadMessage(f"Unknown room request {op!r}.")


class RemoteRoom:
    """A room owned by another process, as this process's sockets see it."""

    def __init__(self, room_id: str, owner: str, runtime: RoomRuntime) -> None:
        self.id, self.owner, self.runtime = room_id, owner, runtime
        self.sockets: set[Any] = set()
        self.answered: set[Any] = set()
        self.closed = False

    async def forward(self, socket: Any, op: str, data: wire.JSON | None = None) -> None:
        """Send one request of ``socket`` to the owner; its answer comes back as frames pushed to the socket."""
        placement = await self.runtime.placement()
        message = {
            "type": "room.op", "op": op, "room": self.id, "member": socket.channel_name,
            "process": placement.me, "user": socket.user.pk, "data": data or {},
        }  # fmt: skip
        layer = get_channel_layer()
        assert layer is not None
        await layer.send(channel_of(self.owner), message)

    async def attach(self, socket: Any) -> None:
        """Forward the attach; the owner confirms it with ``room.attached``, or the socket reconnects."""
        self.sockets.add(socket)
        await self.forward(socket, "attach", {"codec": socket.codec_name} if socket.codec_name else None)
        asyncio.get_running_loop().call_later(ANSWER_SECONDS, self._check_answered, socket)

    def confirm(self, socket: Any) -> None:
        """The owner attached ``socket``."""
        self.answered.add(socket)

    def _check_answered(self, socket: Any) -> None:
        """No answer: the owner died holding its lease (it runs out within seconds), or the request was lost."""
        if socket in self.sockets and socket not in self.answered and not self.closed:
            log.warning("remote: no answer from %s for room %s; sockets reconnect", self.owner, self.id)
            self.close()

    async def detach(self, socket: Any) -> None:
        self.sockets.discard(socket)
        self.answered.discard(socket)
        if not self.sockets and self.runtime.remote.get(self.id) is self:
            del self.runtime.remote[self.id]
        await self.forward(socket, "detach")

    def close(self) -> None:
        """The owner is gone or changed: tell this process's sockets to reconnect (they reach the new owner)."""
        self.closed = True
        if self.runtime.remote.get(self.id) is self:
            del self.runtime.remote[self.id]
        for socket in list(self.sockets):
            socket.shut(closecodes.RESTARTING)


class RemoteMember:
    """A socket of another process in a room of this one; its frames go back over the channel layer, in order."""

    def __init__(self, channel: str, process: str, user: User, codec: Codec) -> None:
        self.channel, self.process, self.user, self.codec = channel, process, user, codec
        self.room: LiveRoom | None = None
        self.outbox: deque[dict[str, Any]] = deque()
        self.latest: str | None = None
        self.requests: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.wake = asyncio.Event()
        self.closing = False
        self.tasks = [asyncio.create_task(self._send(), name=f"remote:{channel}:send"),
                      asyncio.create_task(self._serve(), name=f"remote:{channel}:serve")]  # fmt: skip

    def push(self, frame: str) -> None:
        if not self.closing:
            self.outbox.append({"type": "frame.push", "frame": frame})
            self.wake.set()

    def push_latest(self, frame: str) -> None:
        if not self.closing:
            self.latest = frame
            self.wake.set()

    def shut(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            self.outbox.append({"type": "room.shut", "code": code})
            self.wake.set()

    async def _send(self) -> None:
        """Drain the outbox to the socket's channel: reliable frames in order, then the latest snapshot."""
        layer = get_channel_layer()
        assert layer is not None
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox or self.latest is not None:
                if self.outbox:
                    message = self.outbox.popleft()
                else:
                    message, self.latest = {"type": "frame.latest", "frame": self.latest}, None
                try:
                    await layer.send(self.channel, message)
                except Exception:  # full or gone: the socket's process is not reading; forget the socket
                    log.warning("remote: dropping socket %s of room %s", self.channel, self.room and self.room.id)
                    self.requests.put_nowait({"op": "detach", "data": {}})
                    return

    async def _serve(self) -> None:
        """Apply the socket's requests one at a time, in the order it sent them."""
        while (request := await self.requests.get()) is not None:
            op, data = request["op"], request["data"]
            try:
                if op == "detach":
                    await self._detach()
                    return
                if self.room is None or self.room.closed:
                    self.shut(closecodes.RESTARTING)
                elif op == "attach":
                    await self.room.attach(self)
                    self.outbox.append({"type": "room.attached"})
                    self.wake.set()
                else:
                    await perform(self.room, self, op, data)
            except (wire.BadMessage, IllegalAction) as exc:
                self.push(wire.error(str(exc)))
            except Exception:
                log.exception("remote: request %s failed in room %s", op, self.room and self.room.id)
                self.push(wire.error("Something went wrong on the server with that message."))

    async def _detach(self) -> None:
        if self.room is not None:
            await self.room.detach(self)
        served.pop(self.channel, None)
        self.closing = True
        self.tasks[0].cancel()


codecs: dict[str, Codec] = {}  # codecs a socket may name instead of its game's page codec (a seed's protocol)
served: dict[str, RemoteMember] = {}  # the other processes' sockets in this process's rooms, by channel


@database_sync_to_async
def _user(user_id: int) -> User:
    return User.objects.get(pk=user_id)


handlers: dict[str, Callable[[dict[str, Any]], Coroutine[Any, Any, None]]] = {}  # other types, by type (ops)


async def receive(runtime: RoomRuntime, message: dict[str, Any]) -> None:
    """A ``room.op`` from another process: queue it for its socket's member (made on ``attach``)."""
    handler = handlers.get(message["type"])
    if handler is not None:  # the room monitor's staff requests: in a task, so room sockets never wait
        runtime.spawn(handler(message), name=f"process:{message['type']}")
        return
    channel, op = message["member"], message["op"]
    member = served.get(channel)
    if member is None:
        if op != "attach":
            return
        from .live import LiveRoom

        try:
            room = await runtime.open(message["room"])
        except Exception:
            room = None
        user = await _user(message["user"])
        named = codecs.get(str(message["data"].get("codec", "")))
        codec = named or (registry.page_codec(room.game.slug) if isinstance(room, LiveRoom) else STATE)
        member = served[channel] = RemoteMember(channel, message["process"], user, codec)
        if isinstance(room, LiveRoom):
            member.room = room
    member.requests.put_nowait({"op": op, "data": message["data"]})


async def forget_process(process: str) -> None:
    """A socket process died: detach its sockets from this process's rooms."""
    for member in [m for m in served.values() if m.process == process]:
        member.requests.put_nowait({"op": "detach", "data": {}})


async def reset() -> None:
    """Forget every forwarded socket (tests, shutdown)."""
    for member in list(served.values()):
        for task in member.tasks:
            task.cancel()
    served.clear()
