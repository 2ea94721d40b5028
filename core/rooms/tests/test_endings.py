"""How a match can end besides the rules: resigning, claiming the win from a gone opponent; and its replay."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from core.accounts.models import User
from core.tests.helpers import Message, Sockets, open_room, receive_until, send

pytestmark = pytest.mark.django_db(transaction=True)


async def _error(comm: Any) -> str:
    return str((await receive_until(comm, "error"))["message"])


async def _finished(comm: Any) -> Message:
    return await receive_until(comm, "room.state", where=lambda m: m["room"]["status"] == "finished")


async def test_resign_gives_the_win_to_the_other_player(ws: Sockets, users: tuple[User, User]) -> None:
    """O resigns: X wins, both see it; a spectator can't resign."""
    alice, bob = users
    room = await open_room(alice, bob)
    a = await ws.connect(f"/ws/room/{room.id}/", alice)
    b = await ws.connect(f"/ws/room/{room.id}/", bob)
    spectator = await ws.connect(f"/ws/room/{room.id}/")
    await send(spectator, {"type": "room.resign"})
    assert await _error(spectator) == "Only the players can do that."
    await send(b, {"type": "room.resign"})
    for comm in (a, b):
        result = (await _finished(comm))["room"]["result"]
        assert result == {"winners": [0], "reason": "O resigned", "draw": False}
    await send(a, {"type": "room.resign"})
    assert await _error(a) == "There is no game in progress."


async def test_claim_the_win_after_the_grace_period(ws: Sockets, users: tuple[User, User]) -> None:
    """While O is here, no claim; once O leaves, X sees O away, waits CLAIM_AFTER, then claims."""
    alice, bob = users
    room = await open_room(alice, bob)
    a = await ws.connect(f"/ws/room/{room.id}/", alice)
    b = await ws.connect(f"/ws/room/{room.id}/", bob)
    await receive_until(a, "room.state", where=lambda m: m["room"]["seats"][1]["online"])
    await send(a, {"type": "room.claim"})
    assert await _error(a) == "Your opponent is still here."
    await ws.disconnect(b)
    state = await receive_until(a, "room.state", where=lambda m: m["room"]["seats"][1]["away"] is not None)
    assert state["room"]["seats"][1]["online"] is False and state["room"]["claim_after"] == 1.0
    await send(a, {"type": "room.claim"})
    assert "you can claim the win in" in await _error(a)
    await asyncio.sleep(1.1)
    await send(a, {"type": "room.claim"})
    result = (await _finished(a))["room"]["result"]
    assert result == {"winners": [0], "reason": "the opponent left", "draw": False}


async def test_coming_back_cancels_the_countdown(ws: Sockets, users: tuple[User, User]) -> None:
    """A player who reconnects is no longer away, so the claim is refused again."""
    alice, bob = users
    room = await open_room(alice, bob)
    a = await ws.connect(f"/ws/room/{room.id}/", alice)
    b = await ws.connect(f"/ws/room/{room.id}/", bob)
    await ws.disconnect(b)
    await receive_until(a, "room.state", where=lambda m: m["room"]["seats"][1]["away"] is not None)
    await ws.connect(f"/ws/room/{room.id}/", bob)
    await receive_until(a, "room.state", where=lambda m: m["room"]["seats"][1]["away"] is None)
    await asyncio.sleep(1.1)
    await send(a, {"type": "room.claim"})
    assert await _error(a) == "Your opponent is still here."


async def test_a_finished_match_has_a_replay_page(ws: Sockets, users: tuple[User, User]) -> None:
    """The replay page lists every move and every position; an unfinished match has none."""
    alice, bob = users
    room = await open_room(alice, bob)
    a = await ws.connect(f"/ws/room/{room.id}/", alice)
    b = await ws.connect(f"/ws/room/{room.id}/", bob)
    client = AsyncClient()
    await sync_to_async(client.force_login)(alice)
    assert (await client.get(f"/room/{room.id}/replay/1/")).status_code == 404
    for seq, (comm, cell) in enumerate([(a, 4), (b, 0), (a, 2), (b, 6), (a, 3), (b, 5)], start=1):
        await send(comm, {"type": "mark", "cell": cell})
        await receive_until(comm, "room.state", where=lambda m, seq=seq: m["seq"] == seq)
    await send(a, {"type": "room.resign"})
    final = await _finished(b)
    assert final["room"]["replay_url"] == f"/room/{room.id}/replay/1/"
    page = await client.get(final["room"]["replay_url"])
    assert page.status_code == 200
    data = page.context["replay"]
    assert data["moves"] == ["X: cell 4", "O: cell 0", "X: cell 2", "O: cell 6", "X: cell 3", "O: cell 5"]
    assert len(data["views"]) == 7 and data["views"][0]["board"] == [None] * 9
    assert data["views"][-1]["board"] == [1, None, 0, 0, 0, 1, 1, None, None]
    assert data["result"]["reason"] == "X resigned"
