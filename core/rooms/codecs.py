"""How a room's updates become frames: ``room.state`` for Parlor's pages, other shapes for compatible clients.

A codec turns the room plus one viewer into frames. The runtime calls it once per distinct
(codec, viewer) pair and pushes the same strings to every socket of that pair; a ``per_member``
codec instead builds one batch per update and hands it to each socket to frame from shared parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from core.transport import wire

from .protocol import Event

if TYPE_CHECKING:
    from .membership import Member
    from .runtime import LiveRoom, Viewer


class Codec(Protocol):
    """Frames for one viewer: on arrival (``welcome``) and after each change (``frames``).

    A ``shared`` codec sends every socket the same frames after a change (real-time snapshots),
    so the runtime encodes them once per change for all its sockets, whatever their seat.
    ``ticks`` and ``changes`` say which updates it wants: a real-time game's ticks, everything else, or both.
    """

    shared: bool
    per_member: bool
    ticks: bool
    changes: bool

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]: ...

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]: ...


class MemberCodec(Codec, Protocol):
    """A ``per_member`` codec: one ``batch`` per update, then each socket's frame from it (deltas, interest areas).

    ``deliver`` gets every socket of the codec at once, so the per-socket loop stays in one tight function.
    """

    def batch(self, room: LiveRoom, events: list[Event]) -> Any: ...

    def deliver(self, batch: Any, members: list[tuple[Member, Viewer]]) -> None: ...


MAX_LISTED_SEATS = 50


def room_message(room: LiveRoom, viewer: Viewer, events: list[Event]) -> wire.JSON:
    """The ``room.state`` message for one viewer: the room, the game view, and new events."""
    online = room.online_users()
    players = room.player_ids()
    now = room.runtime.clock()
    seats = [
        {
            "seat": index,
            "label": room.game.seat_label(index),
            "user": {"id": seat.user_id, "name": seat.name, "bot": bool(seat.bot)},
            "online": seat.user_id in online or bool(seat.bot),
            "away": round(now - room.away_since[seat.user_id], 1) if seat.user_id in room.away_since else None,
        }
        for index, seat in enumerate(room.ordered_seats()[:MAX_LISTED_SEATS])
    ]
    match = room.match
    room_json: wire.JSON = {
        "id": room.id,
        "game": room.game.slug,
        "game_name": room.game.name,
        "status": room.status,
        "public": room.public,
        "min_players": room.game.min_players,
        "drop_in": room.game.drop_in,
        "resignable": room.game.resignable and not room.game.drop_in,
        "max_players": room.game.max_players,
        "seats": seats,
        "players": len(players),
        "spectators": len(online - players),
        "match": match.number if match else None,
        "result": match.result if match else None,
        "turn": sorted(room.game.current_seats(room.state)) if room.status == "playing" else [],
        "rematch": sorted(match.players.index(uid) for uid in room.rematch) if match else [],
        "claim_after": room.runtime.claim_after(),
        "clock": room.clock(),
        "watch_url": room.watch_url,
        "replay_url": room.replay_url() if match and match.status == "finished" and room.game.replayable else None,
    }
    if viewer.seated:
        room_json["join_url"] = room.join_url
    view = room.game.view(room.state, viewer.seat) if room.state is not None else None
    visible = [{"type": event.type, **event.data} for event in events if event.visible_to(viewer.seat)]
    you = {"seat": viewer.seat, "seated": viewer.seated}
    return {"type": "room.state", "seq": room.seq, "room": room_json, "you": you, "view": view, "events": visible}


class StateCodec:
    """Parlor's own protocol: the whole ``room.state`` after every change."""

    shared = False
    per_member = False
    ticks = changes = True

    def welcome(self, room: LiveRoom, viewer: Viewer) -> list[str]:
        return [wire.encode(room_message(room, viewer, []))]

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]:
        return [wire.encode(room_message(room, viewer, events))]


STATE = StateCodec()
