"""The arena's JSON frames: the seed's ``stateUpdate`` once per tick, and the room page's platform messages.

The seed codec is shared: every socket gets the same bytes after each tick, whatever its seat, so the
runtime encodes a snapshot once per tick (never per connection). The page's world comes over the lane
(``lane.py``); its room socket only carries ``room.state`` and, on arrival, where the lane is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from core.rooms.codecs import StateCodec
from core.rooms.protocol import Event
from core.transport import wire

if TYPE_CHECKING:
    from core.rooms.runtime import LiveRoom, Viewer

# Field order of a ship in the view (games/arena/rules.py).
SEAT, NAME, COLOR, X, Y, FACING, DX, DY, THRUSTING, SCORE, ALIVE = range(11)


class SeedCodec:
    """The seed's protocol: ``{"type": "stateUpdate", "objects": [...]}`` after every tick."""

    shared = True
    per_member = False
    ticks, changes = True, False

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


class PageCodec(StateCodec):
    """The room page's socket: ``room.state`` on arrival and on changes (not every tick), and ``arena.lane``."""

    ticks = False

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]:
        path, public = f"/arena/{room.id}/", settings.PARLOR_LANE_URL
        url = public.rstrip("/") + path if public else None
        where = {"type": "arena.lane", "url": url, "port": settings.PARLOR_LANE_PORT or None, "path": path}
        return [*super().welcome(room, viewer), wire.encode(where)]


SEED = SeedCodec()
PAGE = PageCodec()
