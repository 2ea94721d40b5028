"""The room socket, ``/ws/room/<id>/``: platform messages (``room.*``) and the game's own actions."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from core.transport import closecodes, groups, wire
from core.transport.consumers import ParlorConsumer

from . import registry
from .codecs import STATE, Codec
from .runtime import LiveRoom, RoomNotFound, runtime


class Sit(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "room.sit", "key": ...}``: take a seat (the key is needed for a private room)."""

    key: str | None = None


class Empty(msgspec.Struct, forbid_unknown_fields=True):
    """A platform message with no fields (``room.leave``, ``room.start``, ``room.rematch``, ...)."""


class RoomMemberConsumer(ParlorConsumer):
    """A socket that belongs to one room once attached: anything not routed is a game action."""

    room: LiveRoom | None = None
    codec: Codec = STATE
    outside_message: ClassVar[str] = "This room is not available; reload the page."

    def _room(self) -> LiveRoom:
        if self.room is None or self.room.closed:
            raise wire.BadMessage(self.outside_message)
        return self.room

    async def unknown(self, message: wire.JSON) -> None:
        """Game actions go to the room, for this socket's own seat."""
        await self._room().act(self, message)

    async def closed(self) -> None:
        """Detach; the seat stays for when the player comes back (a drop-in player leaves the world)."""
        if self.room is not None:
            await self.room.detach(self)


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
        """Attach to the room (loading it if needed) and join its notification group."""
        room_id = self.scope["url_route"]["kwargs"]["room_id"]
        try:
            self.codec = registry.page_codec((await runtime.get(room_id)).game.slug)
            self.room = await runtime.attach(room_id, self)
        except RoomNotFound:
            self.push(wire.error("Room not found."))
            self.shut(closecodes.ROOM_NOT_FOUND)
            return
        await self.join_group(groups.room_group(room_id))

    async def on_sit(self, message: Sit) -> None:
        room = self._room()
        await room.sit(self.user, message.key)
        if self.codec.shared:
            await room.refresh(self)

    async def on_leave(self, message: Empty) -> None:
        await self._room().leave(self.user)

    async def on_start(self, message: Empty) -> None:
        await self._room().start(self.user)

    async def on_rematch(self, message: Empty) -> None:
        await self._room().ask_rematch(self.user)

    async def on_resign(self, message: Empty) -> None:
        await self._room().resign(self.user)

    async def on_claim(self, message: Empty) -> None:
        await self._room().claim(self.user)
