"""Room storage: the only code that reads or writes rooms, seats, matches and actions.

Sync ORM functions returning plain records, called by the runtime through
database_sync_to_async; the runtime never holds model instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from django.db import connection, transaction
from django.utils import timezone

from core.accounts.models import User

from .models import Action, Match, Room, Seat

_json = msgspec.json.Encoder()


@dataclass(slots=True)
class SeatRecord:
    """Who sits where at the table; ``bot`` is a computer player's level ("" for people)."""

    index: int
    user_id: int
    name: str
    bot: str = ""


@dataclass(slots=True)
class MatchRecord:
    """The match being played (or last played) in a room."""

    id: int
    number: int
    seed: int
    players: list[int]
    status: str
    result: dict[str, Any] | None
    content: dict[str, Any] | None = None


@dataclass(slots=True)
class RoomRecord:
    """Everything needed to rebuild a live room: its settings, seats, last match and that match's log."""

    id: str
    game: str
    options: dict[str, Any]
    public: bool
    status: str
    join_key: str
    created_by: int
    seats: list[SeatRecord]
    match: MatchRecord | None = None
    actions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _match_record(match: Match) -> MatchRecord:
    return MatchRecord(
        match.pk, match.number, match.seed, list(match.players), match.status, match.result, match.content
    )


@transaction.atomic
def room_create(*, game: str, options: dict[str, Any], public: bool, creator: User, seated: Sequence[User]) -> Room:
    """Create a room with ``seated`` users in seats 0.. (the creator usually first)."""
    room = Room.objects.create(game=game, options=options, public=public, created_by=creator)
    Seat.objects.bulk_create(Seat(room=room, user=user, index=index) for index, user in enumerate(seated))
    return room


def room_load(room_id: str) -> RoomRecord | None:
    """A room with its seats, its latest match and that match's actions in order."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        return None
    seats = [
        SeatRecord(seat.index, seat.user_id, str(seat.user), seat.user.bot_level)
        for seat in room.seats.select_related("user")
    ]
    record = RoomRecord(
        room.pk, room.game, room.options, room.public, room.status, room.join_key, room.created_by_id, seats
    )
    match = room.matches.order_by("-number").first()
    if match is not None:
        record.match = _match_record(match)
        record.actions = list(match.actions.order_by("seq").values_list("seat", "payload"))
    return record


def match_contents(room_id: str) -> list[dict[str, Any]]:
    """The prepared contents of a room's matches so far, oldest first (so a new one can differ)."""
    return [c for c in Match.objects.filter(room_id=room_id).order_by("number").values_list("content", flat=True) if c]


def seat_add(*, room_id: str, user_id: int, index: int) -> SeatRecord:
    """Seat a user (the unique constraints refuse a taken seat or a second seat)."""
    seat = Seat.objects.create(room_id=room_id, user_id=user_id, index=index)
    user = User.objects.get(pk=user_id)
    return SeatRecord(seat.index, user_id, str(user), user.bot_level)


def seat_remove(*, room_id: str, user_id: int) -> None:
    """Free a user's seat."""
    Seat.objects.filter(room_id=room_id, user_id=user_id).delete()


def seats_remove(*, room_id: str, user_ids: list[int]) -> None:
    """Free the seats of the users who left a drop-in room, in one statement."""
    Seat.objects.filter(room_id=room_id, user_id__in=user_ids).delete()


@transaction.atomic
def match_start(
    *, room_id: str, number: int, seed: int, players: list[int], content: dict[str, Any] | None = None
) -> MatchRecord:
    """Record a new match (with its prepared content) and mark the room as playing."""
    match = Match.objects.create(room_id=room_id, number=number, seed=seed, players=players, content=content)
    Room.objects.filter(pk=room_id).update(status=Room.Status.PLAYING, updated_at=timezone.now())
    return _match_record(match)


_ACTION_INSERT = (
    f"INSERT INTO {Action._meta.db_table} (match_id, seq, seat, payload, created_at) VALUES (%s, %s, %s, %s, %s)"
)


@transaction.atomic
def actions_append(rows: Sequence[tuple[int, int, int, dict[str, Any]]]) -> None:
    """Append accepted actions (match id, seq, seat, payload) in one transaction; a duplicate seq fails it.

    One prepared executemany: the ORM's bulk_create compiled the INSERT anew for every row, which
    was the largest cost of a stored move under load (benchmarks/connect4_latency.py).
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            _ACTION_INSERT,
            [(match_id, seq, seat, _json.encode(payload).decode(), now) for match_id, seq, seat, payload in rows],
        )


@transaction.atomic
def match_finish(*, match_id: int, room_id: str, result: dict[str, Any]) -> None:
    """Record a match's result and mark the room finished."""
    Match.objects.filter(pk=match_id).update(status=Match.Status.FINISHED, result=result, finished_at=timezone.now())
    Room.objects.filter(pk=room_id).update(status=Room.Status.FINISHED, updated_at=timezone.now())
