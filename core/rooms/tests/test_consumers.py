"""The room socket on the full ASGI stack: seats, a whole game, refusals, private rooms, limits, origin."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from core.accounts.models import User
from core.rooms import registry
from core.rooms.models import Action, Match, Room
from core.rooms.runtime import runtime
from core.tests.helpers import Message, Sockets, make_user, open_room, receive_close, receive_until, roundtrip, send
from core.transport import closecodes

pytestmark = pytest.mark.django_db(transaction=True)
GAME = registry.get("tictactoe")
EMPTY: list[int | None] = [None] * 9


async def enter(ws: Sockets, room_id: str, user: User | None = None) -> tuple[Any, Message]:
    """Open a room socket; the first room.state it gets."""
    comm = await ws.connect(f"/ws/room/{room_id}/", user)
    return comm, await receive_until(comm, "room.state")


async def at(comm: Any, seq: int) -> Message:
    """The first room.state at ``seq``."""
    return await receive_until(comm, "room.state", where=lambda m: m["seq"] == seq)


async def error(comm: Any) -> str:
    return str((await receive_until(comm, "error"))["message"])


def board(*marks: tuple[int, int]) -> list[int | None]:
    """A board with (cell, seat) marks."""
    cells = list(EMPTY)
    for cell, seat in marks:
        cells[cell] = seat
    return cells


@database_sync_to_async
def stored(room_id: str) -> tuple[str, int, list[Any]]:
    """The room's status, its number of stored actions, and its matches' (players, result)."""
    room = Room.objects.get(pk=room_id)
    matches = [(m.players, m.result) for m in Match.objects.filter(room=room).order_by("number")]
    return room.status, Action.objects.filter(match__room=room).count(), matches


async def test_players_see_their_seats_and_play_to_a_win(ws: Sockets, users: tuple[User, User]) -> None:
    """Each player has their own seat; a full game ends with a result everyone, spectators too, sees."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, first_a = await enter(ws, room.id, alice)
    b, first_b = await enter(ws, room.id, bob)
    spectator, first_s = await enter(ws, room.id)
    assert first_a["you"] == {"seat": 0, "seated": True} and first_b["you"] == {"seat": 1, "seated": True}
    assert first_s["you"] == {"seat": None, "seated": False}
    assert first_a["room"]["status"] == "playing" and first_a["room"]["turn"] == [0]
    assert [(s["label"], s["user"]["name"]) for s in first_a["room"]["seats"]] == [("X", "Alice"), ("O", "Bob")]
    assert "join_url" in first_a["room"] and "join_url" not in first_s["room"], "the join key is for players only"
    assert first_s["view"]["board"] == EMPTY and first_s["room"]["spectators"] == 1

    moves = [(a, 0), (b, 3), (a, 1), (b, 4), (a, 2)]
    for seq, (comm, cell) in enumerate(moves, start=1):
        await send(comm, {"type": "mark", "cell": cell})
        views = [await at(sock, seq) for sock in (a, b, spectator)]
        assert views[0]["view"] == views[1]["view"] == views[2]["view"]
        assert views[2]["events"][0] == {"type": "marked", "seat": (seq - 1) % 2, "cell": cell}
    assert views[2]["events"][1:] == [
        {"type": "room.finished", "winners": [0], "reason": "three in a row", "draw": False}
    ]
    final = views[2]["room"]
    assert final["status"] == "finished" and final["turn"] == []
    assert final["result"] == {"winners": [0], "reason": "three in a row", "draw": False}
    assert views[2]["view"]["line"] == [0, 1, 2]
    assert await stored(room.id) == ("finished", 5, [([alice.pk, bob.pk], final["result"])])


async def test_refusals_answer_with_an_error_and_change_nothing(
    ws: Sockets, users: tuple[User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wrong turn, taken cell, spectator, unknown type, bad JSON, no type, bad cell, too large: all refused."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    b, _ = await enter(ws, room.id, bob)
    spectator, _ = await enter(ws, room.id)
    await send(b, {"type": "mark", "cell": 4})
    assert await error(b) == "It isn't your turn."
    await send(a, {"type": "mark", "cell": 4})
    await at(b, 1)
    await send(a, {"type": "mark", "cell": 0})
    assert await error(a) == "It isn't your turn."
    await send(b, {"type": "mark", "cell": 4})
    assert await error(b) == "This cell is taken."
    await send(spectator, {"type": "mark", "cell": 0})
    assert (await error(spectator)).startswith("You are watching")
    await send(b, {"type": "bogus"})
    assert await error(b) == "Unknown message type 'bogus'."
    await b.send_to(text_data="{not json")
    assert (await error(b)).startswith("Malformed JSON")
    await send(b, {"cell": 0})
    assert await error(b) == 'A message must be a JSON object with a string "type".'
    await send(b, {"type": "mark", "cell": 9})
    assert (await error(b)).startswith("Invalid 'mark' message: Expected `int` <= 8")
    monkeypatch.setitem(settings.PARLOR, "MAX_MESSAGE_BYTES", 64)
    await send(b, {"type": "mark", "cell": 0, "padding": "x" * 64})
    assert (await error(b)).startswith("Message too large")
    monkeypatch.undo()

    assert (await stored(room.id))[1] == 1
    await send(b, {"type": "mark", "cell": 0})  # the room survives: Bob still plays
    after = await at(a, 2)
    assert after["view"]["board"] == board((4, 0), (0, 1)) and after["room"]["turn"] == [0]


async def test_private_room_needs_the_join_key(ws: Sockets, users: tuple[User, User]) -> None:
    """Sitting in a private room without (or with a wrong) key fails; with the key it works and starts."""
    alice, bob = users
    room = await open_room(alice, public=False)
    b, first = await enter(ws, room.id, bob)
    assert first["you"] == {"seat": None, "seated": False} and first["room"]["status"] == "waiting"
    assert "join_url" not in first["room"]
    for key in (None, "wrong"):
        await send(b, {"type": "room.sit", "key": key})
        assert (await error(b)).startswith("This room is private")
    await send(b, {"type": "room.sit", "key": room.join_key})
    seated = await receive_until(b, "room.state", where=lambda m: m["you"]["seated"])
    assert seated["you"] == {"seat": 1, "seated": True} and seated["room"]["status"] == "playing"


async def test_public_room_sit_without_key_and_room_full(ws: Sockets, users: tuple[User, User]) -> None:
    """Anyone may sit in a public room until it is full; then they can only watch."""
    alice, bob = users
    room = await open_room(alice)
    b, _ = await enter(ws, room.id, bob)
    await send(b, {"type": "room.sit"})
    assert (await receive_until(b, "room.state", where=lambda m: m["you"]["seated"]))["you"]["seat"] == 1
    carol, _ = await enter(ws, room.id, await make_user("Carol"))
    await send(carol, {"type": "room.sit"})
    assert (await error(carol)).startswith("This game has already started")


async def test_reconnect_gets_seat_and_current_board(ws: Sockets, users: tuple[User, User]) -> None:
    """A player who reconnects is back in their seat and sees the board as it is."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    b, _ = await enter(ws, room.id, bob)
    await send(a, {"type": "mark", "cell": 4})
    await at(b, 1)
    await ws.disconnect(b)
    gone = await receive_until(a, "room.state", where=lambda m: not m["room"]["seats"][1]["online"])
    assert gone["seq"] == 1
    b, back = await enter(ws, room.id, bob)
    assert back["you"] == {"seat": 1, "seated": True} and back["seq"] == 1
    assert back["view"]["board"] == board((4, 0)) and back["room"]["turn"] == [1]
    await send(b, {"type": "mark", "cell": 0})
    assert (await at(a, 2))["view"]["board"] == board((4, 0), (0, 1))


async def test_restart_rebuilds_the_board_from_the_log(ws: Sockets, users: tuple[User, User]) -> None:
    """After the runtime forgets every room, the board is replayed from the stored actions."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    b, _ = await enter(ws, room.id, bob)
    for seq, (comm, cell) in enumerate([(a, 4), (b, 0), (a, 8)], start=1):
        await send(comm, {"type": "mark", "cell": cell})
        before = await at(a, seq)
    await ws.close_all()
    await runtime.reset()
    assert runtime.rooms == {}
    b, rebuilt = await enter(ws, room.id, bob)
    assert runtime.rooms[room.id] is not room
    assert rebuilt["seq"] == 3 and rebuilt["view"] == before["view"] and rebuilt["you"]["seat"] == 1
    a, _ = await enter(ws, room.id, alice)
    await send(b, {"type": "mark", "cell": 2})
    await at(a, 4)
    await send(a, {"type": "mark", "cell": 6})
    assert (await at(b, 5))["view"]["board"] == board((4, 0), (0, 1), (8, 0), (2, 1), (6, 0))
    await send(b, {"type": "mark", "cell": 3})
    await send(a, {"type": "mark", "cell": 7})  # 6-7-8 completes the bottom row
    assert (await at(b, 7))["room"]["result"]["winners"] == [0]
    assert (await stored(room.id))[:2] == ("finished", 7)


async def test_rematch_rotates_seats(ws: Sockets, users: tuple[User, User]) -> None:
    """After a finished game, both votes start match 2 with the former O playing X."""
    alice, bob = users
    room = await open_room(alice, bob)
    a, _ = await enter(ws, room.id, alice)
    b, _ = await enter(ws, room.id, bob)
    spectator, _ = await enter(ws, room.id)
    await send(a, {"type": "room.rematch"})
    assert (await error(a)).startswith("A rematch is possible once the game is over")
    for seq, (comm, cell) in enumerate([(a, 0), (b, 3), (a, 1), (b, 4), (a, 2)], start=1):
        await send(comm, {"type": "mark", "cell": cell})
        await at(b, seq)
    await send(spectator, {"type": "room.rematch"})
    assert await error(spectator) == "Only the players can ask for a rematch."
    await send(a, {"type": "room.rematch"})
    vote = await receive_until(b, "room.state", where=lambda m: m["room"]["rematch"] == [0])
    assert vote["room"]["status"] == "finished" and vote["room"]["match"] == 1
    await send(b, {"type": "room.rematch"})
    new_b = await receive_until(b, "room.state", where=lambda m: m["room"]["match"] == 2)
    new_a = await receive_until(a, "room.state", where=lambda m: m["room"]["match"] == 2)
    assert new_b["you"]["seat"] == 0 and new_a["you"]["seat"] == 1
    assert new_b["room"]["status"] == "playing" and new_b["room"]["result"] is None
    assert new_b["view"]["board"] == EMPTY and new_b["room"]["rematch"] == []
    assert [s["user"]["name"] for s in new_b["room"]["seats"]] == ["Bob", "Alice"]
    await send(a, {"type": "mark", "cell": 4})
    assert await error(a) == "It isn't your turn."
    await send(b, {"type": "mark", "cell": 4})
    assert (await at(a, 1))["view"]["board"] == board((4, 0))
    matches = (await stored(room.id))[2]
    assert [players for players, _ in matches] == [[alice.pk, bob.pk], [bob.pk, alice.pk]]


async def test_flood_is_warned_then_disconnected(ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the rate limit: an error, then after too many strikes an error and close code 4429."""
    alice = await make_user("Alice")
    room = await open_room(alice)
    for key, value in {"RATE_PER_SECOND": 0.001, "RATE_BURST": 3, "RATE_STRIKES": 2}.items():
        monkeypatch.setitem(settings.PARLOR, key, value)
    a, _ = await enter(ws, room.id, alice)
    for _ in range(10):
        await send(a, {"type": "ping"})
    code, seen = await receive_close(a)
    assert code == closecodes.RATE_LIMITED == 4429
    replies = [(m["type"], m.get("message", "")) for m in seen if m["type"] in ("pong", "error")]
    assert replies == [("pong", "")] * 3 + [
        ("error", "Too many messages: slow down (this one was ignored)."),
        ("error", "Too many messages: disconnected."),
    ]


async def test_unknown_room_is_closed_with_4404(ws: Sockets) -> None:
    """A socket for a room that does not exist gets an error and close code 4404."""
    comm = await ws.connect("/ws/room/nope/")
    code, seen = await receive_close(comm)
    assert code == closecodes.ROOM_NOT_FOUND
    assert {"type": "error", "message": "Room not found."} in seen


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [(None, True), ("http://localhost:8000", True), ("http://evil.com", False), ("http://127.0.0.1.evil.com", False)],
)
async def test_origin_is_checked_at_the_handshake(ws: Sockets, origin: str | None, accepted: bool) -> None:
    """A foreign Origin is refused before the socket opens; none, or the site's own, is accepted."""
    comm, ok, _ = await ws.handshake("/ws/lobby/", origin=origin)
    assert ok is accepted
    if ok:
        await roundtrip(comm)
