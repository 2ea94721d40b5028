"""The arena's frames: the seed's ``stateUpdate`` and the page's ``arena.frame``, each encoded once per tick.

Both codecs are shared: every socket gets the same bytes after each tick, whatever its seat,
so the runtime encodes a snapshot once per tick per codec (never per connection).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.rooms.codecs import room_message
from core.rooms.protocol import Event
from core.transport import wire

if TYPE_CHECKING:
    from core.rooms.runtime import LiveRoom, Viewer

# Field order of a ship in the view (games/arena/rules.py).
SEAT, NAME, COLOR, X, Y, FACING, DX, DY, THRUSTING, SCORE, ALIVE = range(11)


class SeedCodec:
    """The seed's protocol: ``{"type": "stateUpdate", "objects": [...]}`` after every tick."""

    shared = True

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]:
        return []

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]:
        ships = room.game.view(room.state, None)["ships"] if room.state is not None else []
        objects = [
            {
                "id": str(ship[SEAT]),
                "x": ship[X],
                "y": ship[Y],
                "facing": ship[FACING],
                "dx": ship[DX],
                "dy": ship[DY],
                "thrusting": ship[THRUSTING],
            }
            for ship in ships
            if ship[ALIVE]
        ]
        return [wire.encode({"type": "stateUpdate", "objects": objects})]


class PageCodec:
    """Parlor's page: ``room.state`` on arrival, then the whole view as ``arena.frame`` after every tick."""

    shared = True

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]:
        return [wire.encode(room_message(room, viewer, [])), *self.frames(room, viewer, [])]

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]:
        if room.state is None:
            return []
        view = room.game.view(room.state, None)
        hits = [event.data for event in events if event.type == "hit"]
        return [wire.encode({"type": "arena.frame", **view, "hits": hits})]


SEED = SeedCodec()
PAGE = PageCodec()
