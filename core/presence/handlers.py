"""Presence on every socket: online when the first tab opens, offline when the last one closes."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.conf import settings

from core import background
from core.accounts.models import User
from core.transport import groups, wire
from core.transport.consumers import ParlorConsumer
from core.transport.handlers import on_close, on_open

from . import services


def presence_frame(user: dict[str, object], online: bool) -> str:
    """The ``lobby.presence`` message lobby sockets receive when someone comes or goes."""
    return wire.encode({"type": "lobby.presence", "user": user, "online": online})


@on_open
async def came_online(consumer: ParlorConsumer) -> None:
    """Record the socket; announce the user if this is their first tab."""
    first = await database_sync_to_async(services.presence_open)(
        channel_name=consumer.channel_name, user_id=consumer.user.pk, server_id=background.SERVER_ID
    )
    if first:
        await groups.send_frame(groups.LOBBY, presence_frame(consumer.user.public(), True))


@on_close
async def went_offline(consumer: ParlorConsumer) -> None:
    """Forget the socket; announce the user gone if it was their last tab."""
    last = await database_sync_to_async(services.presence_close)(
        channel_name=consumer.channel_name, user_id=consumer.user.pk
    )
    if last:
        await groups.send_frame(groups.LOBBY, presence_frame(consumer.user.public(), False))


@database_sync_to_async
def _beat_and_sweep() -> list[User]:
    services.server_beat(server_id=background.SERVER_ID)
    gone = services.presence_sweep(expiry=settings.PARLOR["PRESENCE_EXPIRY"])
    return list(User.objects.filter(pk__in=gone))


@background.every("presence", lambda: float(settings.PARLOR["PRESENCE_HEARTBEAT"]))
async def heartbeat() -> None:
    """Keep this process's sockets alive; expire those of processes that died."""
    for user in await _beat_and_sweep():
        await groups.send_frame(groups.LOBBY, presence_frame(user.public(), False))
