"""Notifications in their four scopes, delivered live, by the outbox (admin, command), and marked read."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from core.accounts.models import User
from core.notifications.api import anotify, notify
from core.notifications.models import Notification
from core.tests.helpers import (
    Message,
    Sockets,
    collect_until,
    open_room,
    receive_until,
    roundtrip,
    send,
    session_for,
)

pytestmark = pytest.mark.django_db(transaction=True)
LOBBY = "/ws/lobby/"


def text_is(text: str) -> Any:
    return lambda m: m["text"] == text


async def note(comm: Any, text: str, timeout: float = 3) -> Message:
    """The notify message with this text."""
    return await receive_until(comm, "notify", timeout, where=text_is(text))


async def never_got(comm: Any, text: str) -> None:
    """Send a broadcast marker; ``comm`` must reach it without having seen ``text``."""
    marker = f"marker after {text}"
    await anotify(scope="broadcast", text=marker)
    seen = await collect_until(comm, "notify", where=text_is(marker))
    assert text not in [m.get("text") for m in seen]


async def test_broadcast_reaches_every_user(ws: Sockets, users: tuple[User, User]) -> None:
    """A broadcast reaches the sockets of different users, lobby and room alike."""
    alice, bob = users
    room = await open_room(bob, public=True)
    sockets = [await ws.connect(LOBBY, alice), await ws.connect(f"/ws/room/{room.id}/", bob)]
    sent = await anotify(scope="broadcast", text="Hello all")
    for comm in sockets:
        got = await note(comm, "Hello all")
        assert (got["id"], got["scope"], got["kind"]) == (sent.pk, "broadcast", "message")


async def test_user_scope_reaches_every_tab_of_that_user_only(ws: Sockets, users: tuple[User, User]) -> None:
    """A user notification reaches all of the user's tabs and nobody else."""
    alice, bob = users
    tabs = [await ws.connect(LOBBY, alice), await ws.connect(LOBBY, alice)]
    other = await ws.connect(LOBBY, bob)
    await anotify(scope="user", user=alice, text="For Alice", kind="invitation", data={"x": 1})
    for comm in tabs:
        assert (await note(comm, "For Alice"))["data"] == {"x": 1}
    await never_got(other, "For Alice")


async def test_group_scope_reaches_the_room_and_not_the_lobby(ws: Sockets, users: tuple[User, User]) -> None:
    """group="room.<id>" reaches that room's players and spectators, not lobby sockets."""
    alice, bob = users
    room = await open_room(alice, public=False)
    player = await ws.connect(f"/ws/room/{room.id}/", alice)
    spectator = await ws.connect(f"/ws/room/{room.id}/", bob)
    await receive_until(spectator, "room.state")  # attached, hence in the room's group
    in_lobby = await ws.connect(LOBBY, alice)
    await anotify(scope="group", group=f"room.{room.id}", text="Room news")
    for comm in (player, spectator):
        assert (await note(comm, "Room news"))["scope"] == "group"
    await never_got(in_lobby, "Room news")


async def test_group_scope_reaches_django_auth_group_members(ws: Sockets, users: tuple[User, User]) -> None:
    """A Django auth group name is a notification group too."""
    alice, bob = users

    @database_sync_to_async
    def join_group() -> None:
        Group.objects.create(name="Referees").user_set.add(bob)

    await join_group()
    member, outsider = await ws.connect(LOBBY, bob), await ws.connect(LOBBY, alice)
    await anotify(scope="group", group="Referees", text="Referees only")
    await note(member, "Referees only")
    await never_got(outsider, "Referees only")


async def test_session_scope_reaches_that_session_only(ws: Sockets, users: tuple[User, User]) -> None:
    """Of two sessions of the same user, only the named one is told."""
    alice, _ = users
    first, second = await session_for(alice), await session_for(alice)
    assert first != second
    one = await ws.connect(LOBBY, session=first)
    two = await ws.connect(LOBBY, session=second)
    assert (await receive_until(one, "lobby.state"))["me"]["id"] == alice.pk
    await anotify(scope="session", session_key=first, text="This browser")
    await note(one, "This browser")
    await never_got(two, "This browser")


async def test_sync_notify_is_delivered_by_the_outbox(ws: Sockets, users: tuple[User, User]) -> None:
    """notify() from sync code only stores; the background outbox delivers it and marks it dispatched."""
    alice, _ = users
    comm = await ws.connect(LOBBY, alice)
    stored = await database_sync_to_async(notify)(scope="user", user=alice, text="Queued")
    assert stored.dispatched_at is None
    assert (await note(comm, "Queued"))["id"] == stored.pk
    refreshed = await database_sync_to_async(Notification.objects.get)(pk=stored.pk)
    assert refreshed.dispatched_at is not None


async def test_management_command_is_delivered(ws: Sockets, users: tuple[User, User]) -> None:
    """manage.py notify "text" broadcasts an announcement; --user targets one user."""
    alice, bob = users
    a, b = await ws.connect(LOBBY, alice), await ws.connect(LOBBY, bob)
    out = StringIO()
    await database_sync_to_async(call_command)("notify", "Maintenance at noon", stdout=out)
    assert "Queued notification" in out.getvalue()
    for comm in (a, b):
        assert (await note(comm, "Maintenance at noon"))["kind"] == "announcement"
    await database_sync_to_async(call_command)("notify", "Just Bob", user=bob.username, stdout=out)
    assert (await note(b, "Just Bob"))["scope"] == "user"
    await never_got(a, "Just Bob")


async def test_admin_announcement_is_delivered(ws: Sockets, users: tuple[User, User]) -> None:
    """Saving an Announcement in the admin reaches connected sockets."""
    alice, _ = users
    comm = await ws.connect(LOBBY, alice)

    @database_sync_to_async
    def post() -> int:
        admin = User.objects.create_superuser("admin", "admin@example.org", "pw-for-tests", display_name="Admin")
        client = Client()
        client.force_login(admin)
        response = client.post("/admin/notifications/announcement/add/", {"text": "Welcome to Parlor"})
        return response.status_code

    assert await post() == 302
    got = await note(comm, "Welcome to Parlor")
    assert (got["scope"], got["kind"]) == ("broadcast", "announcement")


async def test_notify_read_removes_it_from_unread(ws: Sockets, users: tuple[User, User]) -> None:
    """After notify.read, a new socket no longer lists the notification; others' ids are not affected."""
    alice, bob = users
    comm = await ws.connect(LOBBY, alice)
    mine = await anotify(scope="user", user=alice, text="Read me")
    news = await anotify(scope="broadcast", text="News")
    theirs = await anotify(scope="user", user=bob, text="Bob's")
    await note(comm, "News")

    async def unread(user: User) -> set[int]:
        fresh = await ws.connect(LOBBY, user)
        items = (await receive_until(fresh, "notify.unread"))["items"]
        await ws.disconnect(fresh)
        return {item["id"] for item in items}

    assert await unread(alice) == {news.pk, mine.pk}
    await send(comm, {"type": "notify.read", "ids": [mine.pk, theirs.pk]})
    await roundtrip(comm)
    assert await unread(alice) == {news.pk}
    assert await unread(bob) == {news.pk, theirs.pk}, "Alice can't mark Bob's notification read"


async def test_unread_excludes_group_and_session_scopes(ws: Sockets, users: tuple[User, User]) -> None:
    """Only user and broadcast notifications wait for a user who was away."""
    alice, _ = users
    key = await session_for(alice)
    await anotify(scope="group", group="room.x", text="g")
    await anotify(scope="session", session_key=key, text="s")
    await anotify(scope="user", user=alice, text="u")
    comm = await ws.connect(LOBBY, session=key)
    items = (await receive_until(comm, "notify.unread"))["items"]
    assert [item["text"] for item in items] == ["u"]


@pytest.mark.parametrize(
    "kwargs",
    [{"scope": "user"}, {"scope": "group"}, {"scope": "session"}, {"scope": "everyone"}],
)
def test_notify_needs_a_known_scope_and_its_target(kwargs: dict[str, Any]) -> None:
    """A scope without its target, or an unknown scope, is a programming error."""
    with pytest.raises(ValueError):
        notify(text="x", **kwargs)
    assert Notification.objects.count() == 0
