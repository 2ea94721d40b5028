"""The tutorial's protocol on /ws/connect4/: init, join, watch, play, win and error, as its client expects."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from core.tests.helpers import Message, Sockets, collect_until, receive_until, roundtrip, send

pytestmark = pytest.mark.django_db(transaction=True)
PATH = "/ws/connect4/"
# Red wins on the bottom row: red 0, yellow 0, red 1, yellow 1, red 2, yellow 2, red 3.
WINNING = [0, 0, 1, 1, 2, 2, 3]


async def _start(ws: Sockets) -> tuple[WebsocketCommunicator, str, str]:
    """A tutorial client that starts a game: its socket and the join and watch keys."""
    red = await ws.connect(PATH)
    await send(red, {"type": "init"})
    init = await receive_until(red, "init")
    return red, init["join"], init["watch"]


async def _red_played_column_4(ws: Sockets) -> tuple[WebsocketCommunicator, WebsocketCommunicator, str]:
    """A game where yellow has joined and red's first checker (column index 3) has reached yellow."""
    red, join, watch = await _start(ws)
    yellow = await ws.connect(PATH)
    await send(yellow, {"type": "init", "join": join})
    await roundtrip(yellow)
    await _play(red, 3)
    await receive_until(yellow, "play")
    return red, yellow, watch


async def _play(comm: WebsocketCommunicator, column: int) -> None:
    await send(comm, {"type": "play", "column": column})


async def _error(comm: WebsocketCommunicator) -> str:
    return str((await receive_until(comm, "error"))["message"])


async def test_init_answers_keys_and_nothing_else(ws: Sockets) -> None:
    """The creator's first frame is init with two different keys; no Parlor-only frame ever arrives."""
    red = await ws.connect(PATH)
    await send(red, {"type": "init"})
    before = await roundtrip(red)
    assert len(before) == 1 and before[0]["type"] == "init"
    assert set(before[0]) == {"type", "join", "watch"} and before[0]["join"] != before[0]["watch"]


async def test_join_play_win_with_a_late_watcher(ws: Sockets) -> None:
    """Both players and a watcher get every play; a late watcher gets the moves so far, then the win."""
    red, join, watch = await _start(ws)
    yellow = await ws.connect(PATH)
    await send(yellow, {"type": "init", "join": join})
    assert await roundtrip(yellow) == []
    early = await ws.connect(PATH)
    await send(early, {"type": "init", "watch": watch})
    for index, column in enumerate(WINNING[:4]):
        await _play(red if index % 2 == 0 else yellow, column)
        expected = {"type": "play", "player": ("red", "yellow")[index % 2], "column": column, "row": index % 2}
        for comm in (red, yellow, early):
            assert await receive_until(comm, "play") == expected
    late = await ws.connect(PATH)
    await send(late, {"type": "init", "watch": watch})
    replayed = await roundtrip(late)
    assert [(m["player"], m["column"], m["row"]) for m in replayed] == [
        ("red", 0, 0), ("yellow", 0, 1), ("red", 1, 0), ("yellow", 1, 1)
    ]  # fmt: skip
    for index, column in enumerate(WINNING[4:], start=4):
        await _play(red if index % 2 == 0 else yellow, column)
    for comm in (red, yellow, early, late):
        frames = await collect_until(comm, "win")
        assert frames[-1] == {"type": "win", "player": "red"}
        assert [m["type"] for m in frames[:-1]] == ["play"] * (len(frames) - 1)


async def test_unknown_keys_get_game_not_found(ws: Sockets) -> None:
    """A wrong join or watch key is answered exactly as the tutorial does."""
    for init in ({"type": "init", "join": "nope"}, {"type": "init", "watch": "nope"}):
        comm = await ws.connect(PATH)
        await send(comm, init)
        assert await _error(comm) == "Game not found."


async def test_illegal_moves_are_refused_and_change_nothing(ws: Sockets) -> None:
    """Out of turn, bad columns, a full column, a watcher, before init, after the end: errors, same board."""
    stranger = await ws.connect(PATH)
    await _play(stranger, 3)
    assert await _error(stranger) == 'Send {"type": "init"} first.'
    red, join, watch = await _start(ws)
    yellow = await ws.connect(PATH)
    await send(yellow, {"type": "init", "join": join})
    await roundtrip(yellow)
    await _play(yellow, 3)
    assert await _error(yellow) == "It isn't your turn."
    for bad in (-1, 7, "3", 2.5, None):
        await send(red, {"type": "play", "column": bad})
        assert "column" in await _error(red)
    await send(red, {"type": "play"})
    assert "column" in await _error(red)
    for index in range(6):
        await _play(red if index % 2 == 0 else yellow, 6)
    await receive_until(red, "play", where=lambda m: m["row"] == 5)
    await _play(red, 6)
    assert await _error(red) == "This slot is full."
    watcher = await ws.connect(PATH)
    await send(watcher, {"type": "init", "watch": watch})
    await _play(watcher, 0)
    assert "watching" in await _error(watcher)
    third = await ws.connect(PATH)
    await send(third, {"type": "init", "join": join})
    assert "already started" in await _error(third)
    await send(red, {"type": "init"})
    assert await _error(red) == "This connection is already in a game."
    for index, column in enumerate(WINNING):
        await _play(red if index % 2 == 0 else yellow, column)
    await receive_until(yellow, "win")
    await _play(yellow, 5)
    assert await _error(yellow) == "The game is over."


async def test_the_same_game_on_parlor_pages(ws: Sockets, users: Any) -> None:
    """The watch key is the room id: Parlor's room socket shows the tutorial game's board."""
    red, yellow, watch = await _red_played_column_4(ws)
    page = await ws.connect(f"/ws/room/{watch}/", users[0])
    state: Message = await receive_until(page, "room.state")
    assert state["room"]["game"] == "connect4" and state["room"]["status"] == "playing"
    assert state["view"]["columns"][3] == [0] and state["room"]["turn"] == [1]


async def test_the_creator_leaving_keeps_the_game(ws: Sockets) -> None:
    """Unlike the tutorial, the creator's disconnect does not delete the keys: watchers still get in."""
    red, yellow, watch = await _red_played_column_4(ws)
    await ws.disconnect(red)
    watcher = await ws.connect(PATH)
    await send(watcher, {"type": "init", "watch": watch})
    assert await roundtrip(watcher) == [{"type": "play", "player": "red", "column": 3, "row": 0}]
