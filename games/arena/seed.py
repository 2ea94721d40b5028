"""The seed's protocol on ``/ws/arena/``, so its own client plays in Parlor's arena unchanged.

| client → server | server → client |
|---|---|
| (connect) | ``{"type": "playerId", "playerId": ID}`` first; your ship is in the world |
| ``{"type": "mouseDown" \\| "mouseUp", "playerId": ID}`` | ``{"type": "stateUpdate", "objects": [...]}`` every tick |
| ``{"type": "facing", "playerId": ID, "facing": radians}`` | ``{"type": "error", "message": ...}`` for bad input |

The ``playerId`` a client sends is ignored: a socket only ever steers the ship of its own seat.
Every seed client joins the main arena: the oldest public arena room, created on demand.
"""

from __future__ import annotations

import asyncio
import weakref

from channels.db import database_sync_to_async

from core.accounts.models import User
from core.lobby.services import room_open
from core.rooms.codecs import Codec
from core.rooms.consumers import RoomMemberConsumer
from core.rooms.models import Room
from core.rooms.placement import RoomElsewhere
from core.rooms.protocol import IllegalAction
from core.rooms.runtime import runtime
from core.transport import closecodes, wire

from .codecs import SEED
from .rules import Arena

_creating: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


@database_sync_to_async
def _main_arena_id() -> str | None:
    rooms = Room.objects.filter(game=Arena.slug, public=True, status=Room.Status.PLAYING).order_by("created_at")
    return rooms.values_list("pk", flat=True).first()


async def main_arena(user: User) -> str:
    """The main arena's id: the oldest public arena in play, opened by ``user`` if there is none."""
    lock = _creating.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        room_id = await _main_arena_id()
        if room_id is None:
            room_id = (await room_open(user=user, game=Arena.slug, options={}, public=True)).id
    return room_id


class SeedConsumer(RoomMemberConsumer):
    """One seed client: a ship in the main arena, steered by its messages."""

    notifications = False
    codec: Codec = SEED
    outside_message = "You are not in the arena."

    async def opened(self) -> None:
        """Take a seat in the main arena, say which ship is ours, then receive every tick."""
        room_id = await main_arena(self.user)
        try:
            room = await runtime.get(room_id)
            await room.sit(self.user, None)
        except RoomElsewhere:
            self.push(wire.error("The arena is served by another server now; reconnect."))
            self.shut(closecodes.RESTARTING)
            return
        except IllegalAction as exc:
            self.push(wire.error(str(exc)))
            self.shut(closecodes.ROOM_NOT_FOUND)
            return
        assert room.match is not None
        self.send_json({"type": "playerId", "playerId": str(room.match.players.index(self.user.pk))})
        self.room = await runtime.attach(room_id, self)
