"""Connect Four through the cluster, for the room tests: a private game, both sockets, moves, and resuming."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from tests.clients import expect, expect_state, open_socket, send
from tests.cluster.harness import Cluster, Player

FINAL = {4403, 4404, 4410, 4429}  # the codes after which the page stops reconnecting (core/static/core/socket.js)
Sockets = tuple[ClientConnection, ClientConnection]


async def new_room(ws_url: str, creator: Player) -> str:
    """A private Connect Four room with ``creator`` seated, opened through the lobby at ``ws_url``."""
    async with await open_socket(ws_url, "/ws/lobby/", creator.cookie) as lobby:
        await send(lobby, type="lobby.create", game="connect4", options={}, public=False)
        return str((await expect(lobby, "lobby.created"))["room"]["id"])


async def join(creator: ClientConnection, joiner: ClientConnection) -> None:
    """The joiner sits with the key of the private link the creator's socket shows; the game begins."""
    link = (await expect(creator, "room.state"))["room"]["join_url"]
    await send(joiner, type="room.sit", key=link.rstrip("/").rsplit("/", 1)[1])
    await expect_state(creator, status="playing")
    await expect_state(joiner, status="playing")


@asynccontextmanager
async def sockets(urls: tuple[str, str], room: str, players: tuple[Player, Player]) -> AsyncIterator[Sockets]:
    """Each player's room socket, the first at ``urls[0]`` and the second at ``urls[1]``."""
    path = f"/ws/room/{room}/"
    async with (
        await open_socket(urls[0], path, players[0].cookie) as a,
        await open_socket(urls[1], path, players[1].cookie) as b,
    ):
        yield a, b


async def moves(ws: ClientConnection, count: int) -> dict[str, Any]:
    """The next ``room.state`` showing ``count`` moves."""

    async def wait() -> dict[str, Any]:
        while len((state := await expect(ws, "room.state"))["view"]["moves"]) != count:
            pass
        return state

    return await asyncio.wait_for(wait(), 10)


async def play(players: Sockets, columns: list[int], before: int = 0) -> dict[str, Any]:
    """Red and yellow drop checkers in turn (red first when ``before`` is even); both sockets see every move.

    Returns the last ``room.state`` the second socket got."""
    state: dict[str, Any] = {}
    for index, column in enumerate(columns, start=before):
        await send(players[index % 2], type="play", column=column)
        for ws in players:
            state = await moves(ws, index + 1)
    return state


@asynccontextmanager
async def started(cluster: Cluster, players: tuple[Player, Player]) -> AsyncIterator[tuple[str, int, Sockets]]:
    """A game through nginx, two moves in, sockets open: (room id, the process holding it, the sockets)."""
    room = await new_room(cluster.ws_url, players[0])
    async with sockets((cluster.ws_url, cluster.ws_url), room, players) as (a, b):
        await join(a, b)
        await play((a, b), [3, 3])
        yield room, cluster.owner(room), (a, b)


async def resumes(cluster: Cluster, room: str, players: tuple[Player, Player], before: int) -> None:
    """Both players reconnect through nginx, see the position of ``before`` moves, and play two more.

    Like the page, they try again for up to 15 s after any close but a final one, or when nginx has no live
    process for a moment (502: a process it marked failed is retried after fail_timeout)."""
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        try:
            return await resume_once(cluster, room, players, before)
        except (ConnectionClosedError, InvalidStatus) as error:
            told = isinstance(error, ConnectionClosedError) and (error.rcvd is None or error.rcvd.code not in FINAL)
            gateway = isinstance(error, InvalidStatus) and error.response.status_code in (502, 503)
            if not (told or gateway) or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def resume_once(cluster: Cluster, room: str, players: tuple[Player, Player], before: int) -> None:
    async with sockets((cluster.ws_url, cluster.ws_url), room, players) as (a, b):
        state = await moves(a, before)
        assert state["room"]["status"] == "playing" and state["you"]["seat"] == 0
        assert (await moves(b, before))["you"]["seat"] == 1
        await play((a, b), [4, 4], before=before)
