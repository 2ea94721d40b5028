"""One Redis client per event loop and URL, for the platform's own keys (leases, marks, the room monitor).

redis.asyncio connections belong to the loop that opened them, so a client is made for each running loop.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

_clients: dict[tuple[asyncio.AbstractEventLoop, str], Redis] = {}


def for_loop(url: str) -> Redis:
    """The client of ``url`` for the running loop, with short timeouts (these are quick commands, never waits)."""
    key = (asyncio.get_running_loop(), url)
    found = _clients.get(key)
    if found is None:
        found = _clients[key] = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return found
