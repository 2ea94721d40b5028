"""End to end against the real uvicorn process: real websocket clients, real handshakes, a real crash."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from tests.clients import expect, expect_state, guest_cookie, open_socket, send
from tests.server import LiveServer

pytestmark = pytest.mark.server
Sockets = tuple[ClientConnection, ClientConnection]


async def _private_room(server: LiveServer) -> tuple[str, str, str, str]:
    """Two guest sessions and a private tic-tac-toe room created by the first: (room id, key, cookie A, cookie B)."""
    cookie_a, cookie_b = guest_cookie(server.url), guest_cookie(server.url)
    async with await open_socket(server.ws_url, "/ws/lobby/", cookie_a) as lobby:
        await send(lobby, type="lobby.create", game="tictactoe", options={}, public=False)
        created = await expect(lobby, "lobby.created")
    room_id = created["room"]["id"]
    async with await open_socket(server.ws_url, f"/ws/room/{room_id}/", cookie_a) as ws:
        state = await expect(ws, "room.state")
    key = state["room"]["join_url"].rstrip("/").rsplit("/", 1)[1]
    return room_id, key, cookie_a, cookie_b


@asynccontextmanager
async def _sockets(server: LiveServer, room_id: str, cookies: tuple[str, str]) -> AsyncIterator[Sockets]:
    """Both players' sockets to the room."""
    path = f"/ws/room/{room_id}/"
    async with (
        await open_socket(server.ws_url, path, cookies[0]) as a,
        await open_socket(server.ws_url, path, cookies[1]) as b,
    ):
        yield a, b


@asynccontextmanager
async def _game(server: LiveServer, room_id: str, key: str, cookies: tuple[str, str]) -> AsyncIterator[Sockets]:
    """Both players' sockets, once the second has sat down with the key and the game has started."""
    async with _sockets(server, room_id, cookies) as (a, b):
        await send(b, type="room.sit", key=key)
        await expect_state(a, status="playing")
        yield a, b


async def test_two_clients_play_a_game_to_a_win(parlor_server: LiveServer) -> None:
    """Create, join with the key, play: both sockets see the same final board and result."""
    room_id, key, cookie_a, cookie_b = await _private_room(parlor_server)
    async with _game(parlor_server, room_id, key, (cookie_a, cookie_b)) as (a, b):
        for ws, cell in [(a, 0), (b, 3), (a, 1), (b, 4), (a, 2)]:
            await send(ws, type="mark", cell=cell)
        final_a = await expect_state(a, status="finished")
        final_b = await expect_state(b, status="finished")
    assert final_a["room"]["result"] == {"winners": [0], "reason": "three in a row", "draw": False}
    assert final_a["view"]["board"] == final_b["view"]["board"] == [0, 0, 0, 1, 1, None, None, None, None]
    assert final_a["you"]["seat"] == 0 and final_b["you"]["seat"] == 1


async def test_a_killed_server_loses_no_move(parlor_server: LiveServer) -> None:
    """kill -9 mid-game, start again: the players reconnect to the same seats and the same board."""
    room_id, key, cookie_a, cookie_b = await _private_room(parlor_server)
    async with _game(parlor_server, room_id, key, (cookie_a, cookie_b)) as (a, b):
        await send(a, type="mark", cell=4)
        await expect_state(b, status="playing", turn=[1])
        await send(b, type="mark", cell=0)
        await expect_state(a, status="playing", turn=[0])
        parlor_server.kill()
    parlor_server.start()
    async with _sockets(parlor_server, room_id, (cookie_a, cookie_b)) as (a, b):
        state = await expect(a, "room.state")
        assert state["view"]["board"] == [1, None, None, None, 0, None, None, None, None]
        assert state["you"]["seat"] == 0 and state["seq"] == 2
        await send(a, type="mark", cell=8)
        after = await expect_state(b, turn=[1])
        assert after["view"]["moves"] == [4, 0, 8] and after["you"]["seat"] == 1


async def test_foreign_origin_is_refused_and_no_origin_is_served(parlor_server: LiveServer) -> None:
    """Cross-site websocket hijacking is refused at the handshake; scripts without Origin are guests."""
    with pytest.raises(InvalidStatus) as refused:
        await open_socket(parlor_server.ws_url, "/ws/lobby/", origin="http://evil.example")
    assert refused.value.response.status_code == 403
    async with await open_socket(parlor_server.ws_url, "/ws/lobby/", origin=parlor_server.url) as ws:
        assert (await expect(ws, "lobby.state"))["me"]["guest"] is True
    async with await open_socket(parlor_server.ws_url, "/ws/lobby/") as ws:
        assert (await expect(ws, "lobby.state"))["me"]["guest"] is True


async def test_bad_input_gets_errors_and_the_game_goes_on(parlor_server: LiveServer) -> None:
    """Malformed, oversized, unknown and illegal messages are answered with errors and change nothing."""
    room_id, key, cookie_a, cookie_b = await _private_room(parlor_server)
    async with _game(parlor_server, room_id, key, (cookie_a, cookie_b)) as (a, b):
        await a.send("{not json")
        assert (await expect(a, "error"))["message"].startswith("Malformed JSON")
        await a.send(json.dumps({"type": "mark", "cell": 1, "pad": "x" * 70_000}))
        assert "too large" in (await expect(a, "error"))["message"]
        await send(a, type="mark", cell=9)
        assert "cell" in (await expect(a, "error"))["message"]
        await send(b, type="mark", cell=0)
        assert (await expect(b, "error"))["message"] == "It isn't your turn."
        await send(a, type="mark", cell=0)
        state = await expect_state(b, turn=[1])
        assert state["view"]["moves"] == [0] and state["seq"] == 1
