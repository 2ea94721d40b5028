"""Playing the computer from the lobby: it answers each move by itself, never from the event loop."""

from __future__ import annotations

import pytest

from core.accounts.models import User
from core.tests.helpers import Sockets, receive_until, send

pytestmark = pytest.mark.django_db(transaction=True)


async def test_play_the_computer(ws: Sockets, users: tuple[User, User]) -> None:
    """The person is red and moves first; the computer (yellow) replies after each move."""
    alice, _ = users
    lobby = await ws.connect("/ws/lobby/", alice)
    catalog = (await receive_until(lobby, "lobby.state"))["games"]
    assert next(game for game in catalog if game["slug"] == "connect4")["bot_levels"] == ["easy", "medium", "hard"]
    await send(lobby, {"type": "lobby.play_bot", "game": "connect4", "level": "easy", "options": {}})
    url = (await receive_until(lobby, "lobby.created"))["url"]
    room = await ws.connect(url.replace("/room/", "/ws/room/"), alice)
    state = await receive_until(room, "room.state")
    assert state["you"]["seat"] == 0 and state["room"]["seats"][1]["user"]["bot"] is True
    assert state["room"]["seats"][1]["user"]["name"] == "Computer (easy)" and state["room"]["public"] is False
    for move in range(3):
        await send(room, {"type": "play", "column": move})
        reply = await receive_until(room, "room.state", timeout=10, where=lambda m, n=move: m["seq"] == 2 * n + 2)
        assert reply["room"]["turn"] == [0] and sum(len(column) for column in reply["view"]["columns"]) == 2 * move + 2


async def test_unknown_level_is_refused(ws: Sockets, users: tuple[User, User]) -> None:
    """A level the game does not offer gets an error naming the levels."""
    lobby = await ws.connect("/ws/lobby/", users[0])
    await send(lobby, {"type": "lobby.play_bot", "game": "connect4", "level": "godlike", "options": {}})
    message = (await receive_until(lobby, "error"))["message"]
    assert "godlike" in message and "easy, medium, hard" in message
    await send(lobby, {"type": "lobby.play_bot", "game": "tictactoe", "level": "easy", "options": {}})
    assert "no computer level" in (await receive_until(lobby, "error"))["message"]
