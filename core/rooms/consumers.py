"""The room socket, ``/ws/room/<id>/``: platform messages (``room.*``) and the game's own actions."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from core.ops import logs
from core.transport import closecodes, groups, wire
from core.transport.consumers import ParlorConsumer

from . import registry
from .codecs import STATE, Codec
from .remote import RemoteRoom, perform
from .runtime import LiveRoom, RoomElsewhere, RoomNotFound, runtime


class Sit(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "room.sit", "key": ...}``: take a seat (the key is needed for a private room)."""

    key: str | None = None


class Empty(msgspec.Struct, forbid_unknown_fields=True):
    """A platform message with no fields (``room.leave``, ``room.start``, ``room.rematch``, ...)."""


class RoomMemberConsumer(ParlorConsumer):
    """A socket that belongs to one room once attached: anything not routed is a game action."""

    room: LiveRoom | RemoteRoom | None = None
    codec: Codec = STATE
    codec_name: ClassVar[str] = ""  # a codec of ``remote.codecs`` this socket keeps, else its game's page codec
    outside_message: ClassVar[str] = "This room is not available; reload the page."

    def _room(self) -> LiveRoom | RemoteRoom:
        if self.room is None or self.room.closed:
            raise wire.BadMessage(self.outside_message)
        return self.room

    async def enter(self, room_id: str) -> None:
        """Attach to the room: live here, or forwarded to the process that owns it (``RoomNotFound``,
        ``RoomElsewhere`` when its owner just died)."""
        room = await runtime.open(room_id)
        if isinstance(room, RemoteRoom):
            await room.attach(self)
            self.room = room
        else:
            if not self.codec_name:
                self.codec = registry.page_codec(room.game.slug)
            self.room = await runtime.attach(room_id, self)

    async def request(self, op: str, data: wire.JSON | None = None) -> None:
        """A room request of this socket: applied here if this process owns the room, else forwarded to the owner."""
        room = self._room()
        if isinstance(room, RemoteRoom):
            await room.forward(self, op, data)
        else:
            await perform(room, self, op, data or {})

    async def unknown(self, message: wire.JSON) -> None:
        """Game actions go to the room, for this socket's own seat."""
        await self.request("act", message)

    async def closed(self) -> None:
        """Detach; the seat stays for when the player comes back (a drop-in player leaves the world)."""
        if self.room is not None:
            await self.room.detach(self)

    async def frame_latest(self, event: wire.JSON) -> None:
        """Channel-layer event from the owning process: a snapshot (it replaces one not yet sent)."""
        self.push_latest(event["frame"])

    async def room_attached(self, event: wire.JSON) -> None:
        """Channel-layer event from the owning process: this socket is attached to the room there."""
        if isinstance(self.room, RemoteRoom):
            self.room.confirm(self)

    async def room_shut(self, event: wire.JSON) -> None:
        """Channel-layer event from the owning process: close this socket with ``code``."""
        self.shut(int(event["code"]))


class RoomConsumer(RoomMemberConsumer):
    """One socket in one room: players act, everyone receives ``room.state``."""

    routes: ClassVar[dict[str, tuple[type[msgspec.Struct], str]]] = {
        **ParlorConsumer.routes,
        "room.sit": (Sit, "on_sit"),
        "room.leave": (Empty, "on_leave"),
        "room.start": (Empty, "on_start"),
        "room.rematch": (Empty, "on_rematch"),
        "room.resign": (Empty, "on_resign"),
        "room.claim": (Empty, "on_claim"),
    }

    async def opened(self) -> None:
        """Attach to the room (here, or forwarded to the process that owns it) and join its notification group."""
        room_id = self.scope["url_route"]["kwargs"]["room_id"]
        logs.bind(room=room_id)
        try:
            await self.enter(room_id)
        except RoomNotFound:
            self.push(wire.error("Room not found."))
            self.shut(closecodes.ROOM_NOT_FOUND)
            return
        except RoomElsewhere:
            self.push(wire.error("This room is moving to another server; reconnecting."))
            self.shut(closecodes.RESTARTING)
            return
        await self.join_group(groups.room_group(room_id))

    async def on_sit(self, message: Sit) -> None:
        await self.request("sit", {"key": message.key})

    async def on_leave(self, message: Empty) -> None:
        await self.request("leave")

    async def on_start(self, message: Empty) -> None:
        await self.request("start")

    async def on_rematch(self, message: Empty) -> None:
        await self.request("rematch")

    async def on_resign(self, message: Empty) -> None:
        await self.request("resign")

    async def on_claim(self, message: Empty) -> None:
        await self.request("claim")
