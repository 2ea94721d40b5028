"""Group memberships outlive a Redis restart: when Redis has forgotten this process, every socket joins again.

Channels keeps group memberships in Redis only. Sockets whose connections recover (redis-py retries) would
otherwise stay connected but deaf to their groups (notifications, presence, the room group). A mark key with
a short time to live tells: set every second, it is missing only when Redis lost it (restart, flush) or this
process stalled longer than the mark lives; either way joining again is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from django.conf import settings

from core import background

from . import redis_clients

log = logging.getLogger(__name__)

MARK_SECONDS = 3.0
Rejoin = Callable[[], Awaitable[object]]
_rejoins: list[Rejoin] = []
_marked: set[asyncio.AbstractEventLoop] = set()  # loops whose mark was set once (the first check rejoins nothing)


def on_forgotten(rejoin: Rejoin) -> Rejoin:
    """Decorator: call ``rejoin()`` whenever Redis has forgotten this process's memberships."""
    _rejoins.append(rejoin)
    return rejoin


async def forgotten() -> bool:
    """Set this process's mark; whether it was missing although set before in this loop."""
    loop = asyncio.get_running_loop()
    key = f"{settings.REDIS_PREFIX}:mark:{background.SERVER_ID}"
    previous = await redis_clients.for_loop(settings.REDIS_URL).set(key, b"1", px=int(MARK_SECONDS * 1000), get=True)
    first = loop not in _marked
    _marked.add(loop)
    return previous is None and not first


@background.every("group-memberships", lambda: 1.0)
async def keep() -> None:
    """Every second with Redis: rejoin every group if Redis forgot them."""
    if not settings.REDIS_URL or not await forgotten():
        return
    log.warning("Redis forgot this process (restarted?): joining every group again")
    for rejoin in _rejoins:
        try:
            await rejoin()
        except Exception:
            log.exception("rejoining groups failed in %s", getattr(rejoin, "__qualname__", rejoin))
