"""Shared helpers for socket tests: authenticated communicators on the full ASGI stack, and waiting for messages.

Use the ``ws`` fixture (re-exported by each tests package's conftest): sockets opened through it are
disconnected at teardown even when the test fails.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from core.accounts.models import User
from core.rooms import registry
from core.rooms.runtime import LiveRoom, runtime

Message = dict[str, Any]


@database_sync_to_async
def make_user(name: str, **extra: Any) -> User:
    """A registered user whose display name is ``name``."""
    return User.objects.create(username=name.lower().replace(" ", "-"), display_name=name, **extra)


@database_sync_to_async
def session_for(user: User) -> str:
    """A new logged-in session for ``user``: the value of its sessionid cookie (the session key)."""
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


def communicator(
    path: str, *, session: str | None = None, origin: str | None = None, extra: list[tuple[bytes, bytes]] | None = None
) -> WebsocketCommunicator:
    """A communicator for ``path`` through OriginCheck and AuthMiddlewareStack."""
    headers: list[tuple[bytes, bytes]] = list(extra or [])
    if session is not None:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def receive_until(
    comm: WebsocketCommunicator, type: str, timeout: float = 3, where: Callable[[Message], bool] | None = None
) -> Message:
    """The next message of ``type`` (matching ``where``), skipping others; fails on close or timeout."""
    return (await collect_until(comm, type, timeout, where))[-1]


async def collect_until(
    comm: WebsocketCommunicator, type: str, timeout: float = 3, where: Callable[[Message], bool] | None = None
) -> list[Message]:
    """Every message up to and including the next one of ``type`` (matching ``where``)."""
    seen: list[Message] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        try:
            output = await comm.receive_output(timeout=max(remaining, 0.001))
        except TimeoutError:
            raise AssertionError(f"no {type!r} within {timeout}s; got {seen}") from None
        if output["type"] == "websocket.close":
            raise AssertionError(f"closed ({output.get('code')}) while waiting for {type!r}; got {seen}")
        message = json.loads(output["text"])
        seen.append(message)
        if message.get("type") == type and (where is None or where(message)):
            return seen


async def receive_close(comm: WebsocketCommunicator, timeout: float = 3) -> tuple[int, list[Message]]:
    """Wait for the server to close the socket: its close code and the messages sent before."""
    seen: list[Message] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        output = await comm.receive_output(timeout=max(deadline - loop.time(), 0.001))
        if output["type"] == "websocket.close":
            return int(output.get("code", 1000)), seen
        seen.append(json.loads(output["text"]))


async def send(comm: WebsocketCommunicator, message: Message) -> None:
    """Send one JSON message."""
    await comm.send_to(text_data=json.dumps(message))


async def roundtrip(comm: WebsocketCommunicator) -> list[Message]:
    """Ping and wait for the pong: every earlier message on this socket has been handled.

    Returns the messages that arrived before the pong.
    """
    await send(comm, {"type": "ping"})
    return (await collect_until(comm, "pong"))[:-1]


class Sockets:
    """Opens communicators and closes every one still open at teardown."""

    def __init__(self) -> None:
        self.open: list[WebsocketCommunicator] = []

    async def handshake(
        self, path: str, user: User | None = None, *, session: str | None = None, origin: str | None = None
    ) -> tuple[WebsocketCommunicator, bool, Any]:
        """Try to connect; (communicator, accepted, subprotocol or close code)."""
        if user is not None and session is None:
            session = await session_for(user)
        comm = communicator(path, session=session, origin=origin)
        self.open.append(comm)
        accepted, detail = await comm.connect(timeout=5)
        return comm, accepted, detail

    def communicator(self, path: str, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
        """An anonymous communicator with extra headers, not yet connected; closed at teardown."""
        comm = communicator(path, extra=headers)
        self.open.append(comm)
        return comm

    async def connect(
        self, path: str, user: User | None = None, *, session: str | None = None, origin: str | None = None
    ) -> WebsocketCommunicator:
        """Connect (as ``user``, or as an anonymous visitor); fails if the handshake is refused."""
        comm, accepted, detail = await self.handshake(path, user, session=session, origin=origin)
        assert accepted, f"handshake refused with code {detail}"
        return comm

    async def disconnect(self, comm: WebsocketCommunicator) -> None:
        """Close one socket from the client side and wait until the server has handled it."""
        if comm in self.open:
            self.open.remove(comm)
        if comm._future is not None and not comm._future.done():
            await comm.disconnect(timeout=5)

    async def close_all(self) -> None:
        for comm in list(self.open):
            await self.disconnect(comm)


@pytest.fixture
async def ws() -> AsyncIterator[Sockets]:
    """Open sockets through ``ws.connect``; all are disconnected at teardown."""
    sockets = Sockets()
    yield sockets
    await sockets.close_all()


@pytest.fixture
async def users() -> tuple[User, User]:
    """Two registered users, Alice and Bob."""
    return await make_user("Alice"), await make_user("Bob")


async def started_room(ws: Sockets, game: str, players: list[User], **options: Any) -> tuple[str, list[Any]]:
    """A public room of ``game`` created from the lobby, every player seated, started by the first.

    Returns the room id and each player's room socket, read up to the ``playing`` state.
    """
    lobby = await ws.connect("/ws/lobby/", players[0])
    await send(lobby, {"type": "lobby.create", "game": game, "options": options, "public": True})
    url = (await receive_until(lobby, "lobby.created"))["url"]
    room_id = url.strip("/").split("/")[-1]
    sockets = []
    for player in players:
        comm = await ws.connect(f"/ws/room/{room_id}/", player)
        await receive_until(comm, "room.state")
        if player != players[0]:
            await send(comm, {"type": "room.sit"})
            await receive_until(comm, "room.state", where=lambda m: m["you"]["seated"])
        sockets.append(comm)
    await send(sockets[0], {"type": "room.start"})
    for comm in sockets:
        await receive_until(comm, "room.state", where=lambda m: m["room"]["status"] == "playing")
    return room_id, sockets


async def open_room(*seated: User, public: bool = True, creator: User | None = None) -> LiveRoom:
    """A tic-tac-toe room with ``seated`` in seats 0..; it starts at once when both seats are taken."""
    game = registry.get("tictactoe")
    assert game is not None
    creator = creator or seated[0]
    return await runtime.create(game=game, options=game.Options(), public=public, creator=creator, seated=list(seated))
