"""The lobby socket on the full ASGI stack: its state, creating rooms, presence across tabs, invitations."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from core import background
from core.accounts.models import User
from core.lobby.models import Invitation
from core.presence import services
from core.rooms.models import Seat
from core.rooms.placement import LocalPlacement
from core.rooms.runtime import runtime
from core.tests.helpers import Sockets, collect_until, make_user, open_room, receive_until, roundtrip, send

pytestmark = pytest.mark.django_db(transaction=True)
LOBBY = "/ws/lobby/"


async def lobby(ws: Sockets, user: User | None) -> tuple[Any, dict[str, Any]]:
    """Open a lobby socket; its lobby.state."""
    comm = await ws.connect(LOBBY, user)
    return comm, await receive_until(comm, "lobby.state")


async def error(comm: Any) -> str:
    return str((await receive_until(comm, "error"))["message"])


def changes(message: dict[str, Any]) -> dict[int, bool]:
    """A lobby.presence frame's changes: user id -> online."""
    return {change["user"]["id"]: change["online"] for change in message.get("changes", [])}


def about(user: User, online: bool) -> Any:
    return lambda m: changes(m).get(user.pk) is online


async def test_lobby_state_lists_games_people_and_open_rooms(ws: Sockets, users: tuple[User, User]) -> None:
    """notify.unread comes first, then the catalog with option schemas, who is online, and public rooms."""
    alice, bob = users
    public = await open_room(bob, public=True)
    await open_room(bob, public=False)
    b = await ws.connect(LOBBY, bob)
    comm = await ws.connect(LOBBY, alice)
    first = await collect_until(comm, "lobby.state")
    assert [m["type"] for m in first] == ["notify.unread", "lobby.state"]
    state = first[-1]
    assert state["me"] == {"id": alice.pk, "name": "Alice", "guest": False, "bot": False}
    catalog = {entry["slug"]: entry for entry in state["games"]}
    ttt = catalog["tictactoe"]
    assert (ttt["name"], ttt["min_players"], ttt["max_players"]) == ("Tic-tac-toe", 2, 2)
    schema = ttt["options"]
    definition = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
    assert definition["type"] == "object" and definition["properties"]["misere"]["type"] == "boolean"
    assert [user["id"] for user in state["online"]] == [alice.pk, bob.pk], "newest arrival first"
    assert state["online_count"] == 2
    assert [room["id"] for room in state["rooms"]] == [public.id], "private rooms are never listed"
    assert state["rooms"][0]["join_url"] == public.join_url and state["rooms"][0]["players"] == ["Bob"]
    assert state["invitations"] == []
    await roundtrip(b)


async def test_create_answers_with_url_and_other_lobbies_see_the_room(ws: Sockets, users: tuple[User, User]) -> None:
    """lobby.create answers lobby.created; other lobbies get lobby.room for public rooms only."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    b, _ = await lobby(ws, bob)
    await send(a, {"type": "lobby.create", "game": "tictactoe", "public": False})
    private = await receive_until(a, "lobby.created")
    await send(a, {"type": "lobby.create", "game": "tictactoe", "options": {"misere": True}})
    created = await receive_until(a, "lobby.created")
    assert created["url"] == f"/room/{created['room']['id']}/" == created["room"]["watch_url"]
    assert created["room"]["status"] == "waiting" and created["room"]["players"] == ["Alice"]
    seen = await collect_until(b, "lobby.room")
    assert seen[-1]["room"]["id"] == created["room"]["id"], "the private room must not be announced"
    assert private["room"]["id"] not in {m.get("room", {}).get("id") for m in seen}
    assert seen[-1]["room"]["join_url"].startswith(created["url"] + "join/")
    assert (await runtime.get(created["room"]["id"])).options.misere is True


async def test_a_new_room_loads_where_its_first_socket_arrives(ws: Sockets, users: tuple[User, User]) -> None:
    """With several processes (Redis placement) the creating process lets a new room go, lease and all, so the
    process nginx sends its sockets to loads it; one process keeps it. Either way the first socket sees it."""
    alice, _ = users
    a, _ = await lobby(ws, alice)
    await send(a, {"type": "lobby.create", "game": "tictactoe", "public": False})
    room_id = (await receive_until(a, "lobby.created"))["room"]["id"]
    placement = await runtime.placement()
    alone = isinstance(placement, LocalPlacement)
    assert (room_id in runtime.rooms) is alone
    assert (await placement.owner(room_id) is None) is not alone
    room = await ws.connect(f"/ws/room/{room_id}/", alice)
    state = await receive_until(room, "room.state")
    assert state["room"]["status"] == "waiting" and state["you"]["seated"] is True
    assert room_id in runtime.rooms and await placement.claim(room_id) is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"game": "chess"}, "There is no game 'chess'."),
        ({"game": "tictactoe", "options": {"misere": "yes"}}, "Invalid options for Tic-tac-toe"),
        ({"game": "tictactoe", "options": {"speed": 2}}, "Invalid options for Tic-tac-toe"),
        ({}, "Invalid 'lobby.create' message"),
    ],
)
async def test_create_refuses_bad_input(ws: Sockets, message: dict[str, Any], expected: str) -> None:
    """Unknown game, bad options, missing game: an error, and no room."""
    comm, _ = await lobby(ws, await make_user("Alice"))
    await send(comm, {"type": "lobby.create", **message})
    assert (await error(comm)).startswith(expected)
    assert runtime.rooms == {}


async def test_presence_merges_tabs(ws: Sockets, users: tuple[User, User]) -> None:
    """A second tab announces nothing; closing one of two tabs announces nothing; the last one, offline."""
    alice, bob = users
    b, _ = await lobby(ws, bob)
    tab1, _ = await lobby(ws, alice)
    came = await receive_until(b, "lobby.presence", where=about(alice, True))
    assert came["changes"][-1]["user"] == alice.public() and came["online_count"] == 2
    tab2, _ = await lobby(ws, alice)
    await ws.disconnect(tab1)
    carol = await make_user("Carol")
    _, state = await lobby(ws, carol)  # Carol coming online is the marker on Bob's socket
    assert alice.pk in {user["id"] for user in state["online"]}, "one tab left: still online"
    before = await collect_until(b, "lobby.presence", where=about(carol, True))
    assert not [m for m in before if m["type"] == "lobby.presence" and alice.pk in changes(m)]
    await ws.disconnect(tab2)
    gone = await receive_until(b, "lobby.presence", where=lambda m: alice.pk in changes(m))
    assert changes(gone)[alice.pk] is False and gone["online_count"] == 2


async def test_arrivals_within_an_interval_share_one_frame(
    ws: Sockets, users: tuple[User, User], settings: Any
) -> None:
    """30 visitors arriving within one flush interval reach an open lobby in at most 2 frames, not 30."""
    settings.PARLOR = {**settings.PARLOR, "PRESENCE_FLUSH": 2.0}
    alice, _ = users
    a, _ = await lobby(ws, alice)
    await receive_until(a, "lobby.presence", where=about(alice, True))  # a flush just happened
    guests = [(await lobby(ws, None))[1]["me"]["id"] for _ in range(30)]
    frames: list[dict[str, Any]] = []
    seen: dict[int, bool] = {}
    while not set(guests) <= seen.keys():
        frames.append(await receive_until(a, "lobby.presence", timeout=5))
        seen |= changes(frames[-1])
    assert len(frames) <= 2, [changes(frame) for frame in frames]
    assert all(seen[guest] for guest in guests) and frames[-1]["online_count"] == 31
    assert [guest for frame in frames for guest in changes(frame)] == guests, "in arrival order, each once"


async def test_a_visit_within_an_interval_is_sent_as_its_last_state(
    ws: Sockets, users: tuple[User, User], settings: Any
) -> None:
    """A visitor who comes and goes between two flushes is listed once, offline; a rename is listed online."""
    settings.PARLOR = {**settings.PARLOR, "PRESENCE_FLUSH": 1.0}
    alice, _ = users
    a, _ = await lobby(ws, alice)
    await receive_until(a, "lobby.presence", where=about(alice, True))
    visitor, state = await lobby(ws, None)
    await ws.disconnect(visitor)
    await send(a, {"type": "lobby.rename", "name": "Alice Liddell"})
    frame = await receive_until(a, "lobby.presence", where=lambda m: state["me"]["id"] in changes(m))
    assert frame["changes"] == [
        {"user": state["me"], "online": False},
        {"user": {**alice.public(), "name": "Alice Liddell"}, "online": True},
    ]
    assert frame["online_count"] == 1


async def test_the_online_list_is_capped(ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    """lobby.state lists the newest arrivals up to the cap and counts everyone; so does a frame of too many changes."""
    monkeypatch.setattr(services, "SHOWN", 5)
    people = [await make_user(f"Player {n}") for n in range(8)]
    await database_sync_to_async(_open_presences)(people)
    _, state = await lobby(ws, None)
    me = state["me"]
    assert [user["id"] for user in state["online"]] == [me["id"]] + [user.pk for user in people[:3:-1]]
    assert state["online_count"] == 9
    message = await database_sync_to_async(services.presence_changes)(
        changed={user.pk: user.public() for user in people[:6]}
    )
    assert message == {"type": "lobby.presence", "online": state["online"], "online_count": 9}
    few = await database_sync_to_async(services.presence_changes)(changed={people[0].pk: people[0].public()})
    assert few["changes"] == [{"user": people[0].public(), "online": True}] and few["online_count"] == 9


def _open_presences(people: list[User]) -> None:
    for n, user in enumerate(people):
        services.presence_open(channel_name=f"test.{n}", user_id=user.pk, server_id=background.SERVER_ID)


async def test_invitation_accepted(ws: Sockets, users: tuple[User, User]) -> None:
    """Every tab of the invitee is told; accepting seats both in a new private room and tells the inviter."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    b1, _ = await lobby(ws, bob)
    b2 = await ws.connect("/ws/lobby/", bob)
    await send(a, {"type": "lobby.invite", "user": bob.pk, "game": "tictactoe"})
    sent = await receive_until(a, "invitation.sent")
    assert sent["invitation"]["to"]["id"] == bob.pk and sent["invitation"]["status"] == "pending"
    notes = [await receive_until(comm, "notify", where=lambda m: m["kind"] == "invitation") for comm in (b1, b2)]
    assert notes[0]["id"] == notes[1]["id"] and notes[0]["scope"] == "user"
    invitation_id = notes[0]["data"]["invitation"]["id"]
    assert invitation_id == sent["invitation"]["id"] and "Alice" in notes[0]["text"]

    await send(b2, {"type": "invitation.accept", "id": invitation_id})
    accepted = await receive_until(b2, "invitation.accepted")
    room_url = accepted["invitation"]["room_url"]
    assert room_url and accepted["invitation"]["status"] == "accepted"
    told = await receive_until(a, "notify", where=lambda m: m["kind"] == "invitation.accepted")
    assert told["data"]["url"] == room_url

    room_id = room_url.strip("/").split("/")[-1]
    seats = await database_sync_to_async(
        lambda: list(Seat.objects.filter(room_id=room_id).values_list("user_id", "index"))
    )()
    assert sorted(seats, key=lambda s: s[1]) == [(alice.pk, 0), (bob.pk, 1)]
    for user, seat in ((alice, 0), (bob, 1)):
        comm = await ws.connect(f"/ws/room/{room_id}/", user)
        state = await receive_until(comm, "room.state")
        assert state["you"] == {"seat": seat, "seated": True}
        assert state["room"]["public"] is False and state["room"]["status"] == "playing"
    await send(b1, {"type": "invitation.accept", "id": invitation_id})
    assert await error(b1) == "This invitation is no longer open."
    later = await ws.connect(LOBBY, bob)
    assert (await receive_until(later, "notify.unread"))["items"] == [], "answered: no longer unread"


async def test_invitation_cancelled(ws: Sockets, users: tuple[User, User]) -> None:
    """The inviter may withdraw; both sides are told and it can't be accepted any more."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    b, _ = await lobby(ws, bob)
    await send(a, {"type": "lobby.invite", "user": bob.pk, "game": "tictactoe"})
    invitation_id = (await receive_until(a, "invitation.sent"))["invitation"]["id"]
    await send(b, {"type": "invitation.cancel", "id": invitation_id})
    assert await error(b) == "This invitation is not yours to answer."
    await send(a, {"type": "invitation.cancel", "id": invitation_id})
    for comm in (a, b):
        update = await receive_until(
            comm, "invitation.update", where=lambda m: m["invitation"]["status"] == "cancelled"
        )
        assert update["invitation"]["id"] == invitation_id
    await send(b, {"type": "invitation.accept", "id": invitation_id})
    assert await error(b) == "This invitation is no longer open."


async def test_invitation_declined(ws: Sockets, users: tuple[User, User]) -> None:
    """Declining tells the inviter and closes the invitation."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    b, _ = await lobby(ws, bob)
    await send(a, {"type": "lobby.invite", "user": bob.pk, "game": "tictactoe"})
    note = await receive_until(b, "notify", where=lambda m: m["kind"] == "invitation")
    invitation_id = note["data"]["invitation"]["id"]
    await send(a, {"type": "invitation.accept", "id": invitation_id})
    assert await error(a) == "This invitation is not yours to answer."
    await send(b, {"type": "invitation.decline", "id": invitation_id})
    told = await receive_until(a, "notify", where=lambda m: m["kind"] == "invitation.declined")
    assert told["data"]["invitation"]["status"] == "declined" and "Bob" in told["text"]
    status = await database_sync_to_async(lambda: Invitation.objects.get(pk=invitation_id).status)()
    assert status == "declined" and runtime.rooms == {}


@pytest.mark.parametrize(
    ("target", "message", "expected"),
    [
        ("self", {}, "You can't invite yourself."),
        ("nobody", {}, "That player doesn't exist."),
        ("bob", {"game": "chess"}, "There is no game 'chess'."),
        ("bob", {"options": {"misere": 1}}, "Invalid options for Tic-tac-toe"),
        ("bob", {"options": {"board": 4}}, "Invalid options for Tic-tac-toe"),
    ],
)
async def test_invite_refuses_bad_input(
    ws: Sockets, users: tuple[User, User], target: str, message: dict[str, Any], expected: str
) -> None:
    """Inviting yourself or nobody, an unknown game or bad options: an error and no invitation."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    user_id = {"self": alice.pk, "nobody": bob.pk + 1000, "bob": bob.pk}[target]
    await send(a, {"type": "lobby.invite", "user": user_id, "game": "tictactoe", **message})
    assert (await error(a)).startswith(expected)
    assert await database_sync_to_async(Invitation.objects.count)() == 0


async def test_invite_twice_is_refused(ws: Sockets, users: tuple[User, User]) -> None:
    """A second pending invitation for the same game is refused."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    await send(a, {"type": "lobby.invite", "user": bob.pk, "game": "tictactoe"})
    await receive_until(a, "invitation.sent")
    await send(a, {"type": "lobby.invite", "user": bob.pk, "game": "tictactoe"})
    assert await error(a) == "You have already invited Bob to this game."


async def test_offline_invitee_finds_the_invitation_unread(ws: Sockets, users: tuple[User, User]) -> None:
    """An invitation to someone with no socket waits in notify.unread and the lobby's invitations."""
    alice, bob = users
    a, _ = await lobby(ws, alice)
    await send(a, {"type": "lobby.invite", "user": bob.pk, "game": "tictactoe"})
    sent = await receive_until(a, "invitation.sent")
    b = await ws.connect(LOBBY, bob)
    unread = await receive_until(b, "notify.unread")
    kinds = [(item["kind"], item["data"]["invitation"]["id"]) for item in unread["items"]]
    assert kinds == [("invitation", sent["invitation"]["id"])]
    state = await receive_until(b, "lobby.state")
    assert [item["id"] for item in state["invitations"]] == [sent["invitation"]["id"]]
