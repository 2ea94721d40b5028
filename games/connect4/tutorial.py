"""The python-websockets tutorial's protocol on ``/ws/connect4/``, so its own client plays Parlor's games unchanged.

| client → server | server → client |
|---|---|
| ``{"type": "init"}`` | ``{"type": "init", "join": KEY, "watch": KEY}``: a new game, you are red |
| ``{"type": "init", "join": KEY}`` | every move so far as ``play``; you take the yellow seat |
| ``{"type": "init", "watch": KEY}`` | every move so far as ``play``; you watch |
| ``{"type": "play", "column": c}`` | ``{"type": "play", "player": p, "column": c, "row": r}`` to everyone |
| | ``{"type": "win", "player": p}``; ``{"type": "error", "message": m}`` |

The join key is the room's join key and the watch key is its id, so the same game is reachable
from Parlor's pages (``/room/<watch>/``). A draw, which the tutorial cannot express, arrives as an
error message saying so. This socket sends nothing else: no notifications, no presence frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import msgspec
from channels.db import database_sync_to_async

from core.lobby.services import room_open
from core.rooms import remote
from core.rooms.codecs import Codec
from core.rooms.consumers import RoomMemberConsumer
from core.rooms.models import Room
from core.rooms.protocol import Event
from core.rooms.runtime import LiveRoom, RoomElsewhere, RoomNotFound, runtime
from core.transport import wire

from .rules import PLAYERS, ConnectFour

if TYPE_CHECKING:
    from core.rooms.runtime import Viewer

GAME_NOT_FOUND = "Game not found."


class Init(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "init"}``, optionally with ``join`` or ``watch``."""

    join: str | None = None
    watch: str | None = None


def _finished(room: LiveRoom) -> list[str]:
    result = room.match.result if room.match else None
    if not result:
        return []
    if result["draw"]:
        return [wire.error(f"The game is a draw: {result['reason']}.")]
    return [wire.encode({"type": "win", "player": PLAYERS[winner]}) for winner in result["winners"]]


class TutorialCodec:
    """Room updates in the tutorial's shapes: ``play`` per move, ``win`` at the end."""

    shared = False
    per_member = False
    ticks = changes = True

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]:
        """Every move so far (the tutorial's ``replay()``), then the result if the game is over."""
        if room.state is None:
            return []
        moves = [
            wire.encode({"type": "play", "player": PLAYERS[s], "column": c, "row": r}) for s, c, r in room.state.moves
        ]
        return moves + (_finished(room) if room.status == "finished" else [])

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]:
        out = []
        for event in events:
            if event.type == "played":
                data = event.data
                out.append(
                    wire.encode(
                        {"type": "play", "player": data["player"], "column": data["column"], "row": data["row"]}
                    )
                )
            elif event.type == "room.finished":
                out.extend(_finished(room))
        return out


@database_sync_to_async
def _room_id(*, join: str | None = None, watch: str | None = None) -> str | None:
    rooms = Room.objects.filter(game=ConnectFour.slug)
    found = rooms.filter(join_key=join) if join else rooms.filter(pk=watch)
    return found.values_list("pk", flat=True).first()


class TutorialConsumer(RoomMemberConsumer):
    """One tutorial client: the first message says whether it starts, joins or watches a game."""

    routes: ClassVar[dict[str, tuple[type[msgspec.Struct], str]]] = {
        **RoomMemberConsumer.routes,
        "init": (Init, "on_init"),
    }
    notifications = False
    codec: Codec = TutorialCodec()
    codec_name = "connect4.tutorial"  # its sockets forwarded to another process keep this protocol
    outside_message = 'Send {"type": "init"} first.'

    async def on_init(self, message: Init) -> None:
        """Start (red), join (yellow) or watch, as the tutorial's ``handler()`` does."""
        if self.room is not None:
            raise wire.BadMessage("This connection is already in a game.")
        if message.join and message.watch:
            raise wire.BadMessage("Send either a join key or a watch key, not both.")
        if message.join or message.watch:
            room_id = await _room_id(join=message.join, watch=message.watch)
            if room_id is None:
                raise wire.BadMessage(GAME_NOT_FOUND)
            try:
                await self.enter(room_id)
            except RoomNotFound:
                raise wire.BadMessage(GAME_NOT_FOUND) from None
            except RoomElsewhere:
                raise wire.BadMessage("This game is moving to another server; try again in a few seconds.") from None
            if message.join:
                await self.request("sit", {"key": message.join})
            return
        room = await room_open(user=self.user, game=ConnectFour.slug, options={}, public=False)
        self.room = await runtime.attach(room.id, self)
        self.send_json({"type": "init", "join": room.join_key, "watch": room.id})


remote.codecs[TutorialConsumer.codec_name] = TutorialConsumer.codec
