"""Presence on every socket: online when the first tab opens, offline when the last one closes.

Changes are collected per process and sent to the lobby group as one ``lobby.presence`` frame at most
every PARLOR["PRESENCE_FLUSH"] seconds, so N arrivals cost each lobby socket one frame, not N.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async
from django.conf import settings

from core import background
from core.accounts.models import User
from core.transport import groups, wire
from core.transport.consumers import ParlorConsumer
from core.transport.handlers import on_close, on_open

from . import services

_changed: dict[int, dict[str, object]] = {}  # user id -> public details, in order of their last change


def announce(user: User) -> None:
    """Tell the lobbies, with the next flush, that this user came, went or was renamed."""
    _changed.pop(user.pk, None)
    _changed[user.pk] = user.public()


async def flush() -> None:
    """Send the changes collected since the last flush as one frame, with each user's state now."""
    global _changed
    if not _changed:
        return
    changed, _changed = _changed, {}
    try:
        message = await database_sync_to_async(services.presence_changes)(changed=changed)
        await groups.send_frame(groups.LOBBY, wire.encode(message))
    except BaseException:
        _changed = changed | _changed  # sent with the next flush
        raise


@background.every("presence-flush", lambda: 0.0)
async def flush_every_interval() -> None:
    """Wait one interval, then flush; a stopping process flushes what is left, so its departures are told."""
    try:
        await asyncio.sleep(float(settings.PARLOR["PRESENCE_FLUSH"]))
        await flush()
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await flush()
        raise


@on_open
async def came_online(consumer: ParlorConsumer) -> None:
    """Record the socket; announce the user if this is their first tab."""
    first = await database_sync_to_async(services.presence_open)(
        channel_name=consumer.channel_name, user_id=consumer.user.pk, server_id=background.SERVER_ID
    )
    if first:
        announce(consumer.user)


@on_close
async def went_offline(consumer: ParlorConsumer) -> None:
    """Forget the socket; announce the user gone if it was their last tab."""
    last = await database_sync_to_async(services.presence_close)(
        channel_name=consumer.channel_name, user_id=consumer.user.pk
    )
    if last:
        announce(consumer.user)


@database_sync_to_async
def _beat_and_sweep() -> list[User]:
    services.server_beat(server_id=background.SERVER_ID)
    gone = services.presence_sweep(expiry=settings.PARLOR["PRESENCE_EXPIRY"])
    return list(User.objects.filter(pk__in=gone))


@background.every("presence", lambda: float(settings.PARLOR["PRESENCE_HEARTBEAT"]))
async def heartbeat() -> None:
    """Keep this process's sockets alive; expire those of processes that died."""
    for user in await _beat_and_sweep():
        announce(user)
