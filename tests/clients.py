"""Real clients for the real server: a guest session over HTTP, websockets that wait for a message type."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import urllib.request
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


def guest_cookie(base_url: str) -> str:
    """Visit the lobby like a browser would; return the Cookie header of the new guest session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "/", timeout=5) as response:
        assert response.status == 200
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


async def open_socket(ws_url: str, path: str, cookie: str | None = None, origin: str | None = None) -> ClientConnection:
    """A websocket to ``path``, with a session cookie and an Origin if given."""
    headers = {"Cookie": cookie} if cookie else {}
    return await connect(ws_url + path, additional_headers=headers, origin=origin)  # type: ignore[arg-type]


async def expect(ws: ClientConnection, kind: str, timeout: float = 5, **match: Any) -> dict[str, Any]:
    """The next message of type ``kind`` (whose fields equal ``match``), skipping others."""

    async def wait() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind and all(message.get(key) == value for key, value in match.items()):
                return message  # type: ignore[no-any-return]

    return await asyncio.wait_for(wait(), timeout)


async def expect_state(ws: ClientConnection, timeout: float = 5, **room: Any) -> dict[str, Any]:
    """The next ``room.state`` whose room fields equal ``room``."""

    async def wait() -> dict[str, Any]:
        while True:
            message = await expect(ws, "room.state", timeout)
            if all(message["room"].get(key) == value for key, value in room.items()):
                return message

    return await asyncio.wait_for(wait(), timeout)


async def send(ws: ClientConnection, **message: Any) -> None:
    """Send one JSON message."""
    await ws.send(json.dumps(message))
