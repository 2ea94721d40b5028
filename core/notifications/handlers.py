"""Socket messages for notifications: ``notify.read`` on every socket, and the unread list on connect."""

from __future__ import annotations

import msgspec
from channels.db import database_sync_to_async
from django.conf import settings

from core import background
from core.accounts.models import User
from core.transport import wire
from core.transport.consumers import ParlorConsumer
from core.transport.handlers import on_open, register

from .api import deliver_pending, mark_read, unread_for


class Read(msgspec.Struct, forbid_unknown_fields=True):
    """``{"type": "notify.read", "ids": [..]}``: dismiss notifications."""

    ids: list[int] = msgspec.field(default_factory=list)


@register("notify.read", Read)
async def on_read(consumer: ParlorConsumer, message: Read) -> None:
    """Mark notifications read; every tab of the user drops them."""
    if len(message.ids) > 500:
        raise wire.BadMessage("At most 500 ids at a time.")
    await database_sync_to_async(mark_read)(user=consumer.user, notification_ids=message.ids)


@database_sync_to_async
def _unread(user: User) -> list[dict[str, object]]:
    return [item.as_json() for item in unread_for(user)[:50]]


async def unread_frame(user: User) -> str:
    """The ``notify.unread`` message a socket receives when it opens."""
    return wire.encode({"type": "notify.unread", "items": await _unread(user)})


@on_open
async def send_unread(consumer: ParlorConsumer) -> None:
    """A socket that opens receives the user's unread notifications first (if it takes notifications)."""
    if consumer.notifications:
        consumer.push(await unread_frame(consumer.user))


@background.every("notify-outbox", lambda: float(settings.PARLOR["NOTIFY_POLL"]))
async def outbox() -> None:
    """Deliver notifications stored by sync callers (admin, management commands)."""
    await deliver_pending()
