"""The arena on the lane: joining over it, its binary inputs, and its per-viewer snapshot codec.

| client → server (binary) | meaning |
|---|---|
| ``01`` | thrust on (the seed's mouseDown) |
| ``02`` | thrust off (mouseUp) |
| ``03`` + f32 radians | facing |
| ``04`` | fire |

The server sends ``arena.hello`` (JSON) on arrival, then one binary snapshot per tick built by
``snapshots.Snapshot.frame`` (format: docs/protocol.md, "The arena lane").
"""

from __future__ import annotations

import struct
import weakref
from typing import TYPE_CHECKING, Any, cast

import msgspec

from core.ops import logs
from core.rooms.protocol import Event, IllegalAction
from core.rooms.runtime import RoomNotFound, runtime
from core.transport import wire
from core.transport.lane import LaneSocket, Route

from .rules import WORLD, Arena, Facing, Fire, MouseDown, MouseUp
from .seed import main_arena
from .snapshots import AOI_CELL, AOI_GRID, KEY_EVERY, SCALE, Encoder, Sight, Snapshot

if TYPE_CHECKING:
    from core.rooms.live import LiveRoom
    from core.rooms.membership import Member, Viewer

_INPUTS: dict[bytes, tuple[str, msgspec.Struct]] = {
    b"\x01": ("mouseDown", MouseDown()),
    b"\x02": ("mouseUp", MouseUp()),
    b"\x04": ("fire", Fire()),
}
_FACING = struct.Struct("<Bf")


def decode(data: bytes) -> tuple[str, msgspec.Struct]:
    """One binary input as the action it stands for; anything else is refused by name."""
    known = _INPUTS.get(data)
    if known is not None:
        return known
    if len(data) == _FACING.size and data[0] == 3:
        return "facing", Facing(facing=_FACING.unpack(data)[1])
    raise wire.BadMessage(f"Unknown arena input: {data[:8].hex() or 'empty'} ({len(data)} bytes).")


async def open_lane(socket: LaneSocket, room_id: str, query: dict[str, str]) -> None:
    """Attach a lane socket to an arena (``main``: the seed's main arena), taking a seat if it asks (``sit=1``)."""
    if room_id == "main":
        room_id = await main_arena(socket.user)
    logs.bind(room=room_id)
    try:
        room = await runtime.get(room_id)
    except RoomNotFound:
        raise IllegalAction("Room not found.") from None
    if room.game.slug != Arena.slug:
        raise IllegalAction("That room is not an arena.")
    if query.get("sit") == "1":
        await room.sit(socket.user, query.get("key"))
    socket.codec = LANE
    socket.state = Sight(phase=id(socket) // 16 % KEY_EVERY)
    socket.room = await runtime.attach(room_id, socket)


class LaneCodec:
    """Per-viewer binary snapshots: each tick's cells encoded once per room, each viewer's frame joined from them."""

    shared = False
    per_member = True
    ticks, changes = True, False

    def __init__(self) -> None:
        self.encoders: weakref.WeakKeyDictionary[LiveRoom, Encoder] = weakref.WeakKeyDictionary()

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]:
        hello = {
            "type": "arena.hello", "room": room.id, "seat": viewer.seat, "world": WORLD, "grid": AOI_GRID,
            "cell": AOI_CELL, "tick_hz": room.game.tick_hz, "scale": SCALE,
        }  # fmt: skip
        return [wire.encode(hello)]

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]:
        return []

    def batch(self, room: LiveRoom, events: list[Event]) -> Snapshot:
        encoder = self.encoders.get(room)
        if encoder is None:
            encoder = self.encoders[room] = Encoder()
        hits = [(event.data["by"], event.data["victim"]) for event in events if event.type == "hit"]
        return encoder.encode(room.state, hits)

    def deliver(self, batch: Any, members: list[tuple[Member, Viewer]]) -> None:
        """Each socket's frame from the tick's shared blocks; a lagging socket skips it (see ``writable``)."""
        frame = cast(Snapshot, batch).frame
        for socket, viewer in cast("list[tuple[LaneSocket, Viewer]]", members):
            if socket.writable():
                socket.push_bytes(frame(socket.state, viewer.seat))


LANE = LaneCodec()
ROUTE = Route(open=open_lane, decode=decode)
