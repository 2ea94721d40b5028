"""Presence rows merged per user across tabs and processes (sync ORM; call through database_sync_to_async).

A user is online while any of their sockets is open on a live server. Closing the last tab
takes them offline at once; a crashed process's sockets expire with its heartbeat. Opening and
closing lock the user's row, so two processes closing a user's last two tabs can't both miss it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User

from .models import Presence, Server

SHOWN = 100  # a lobby page is sent at most this many online users, the newest arrivals, and the total


def server_beat(*, server_id: str) -> None:
    """Record that this process is alive."""
    if not Server.objects.filter(id=server_id).update(seen_at=timezone.now()):
        Server.objects.update_or_create(id=server_id, defaults={"seen_at": timezone.now()})


@transaction.atomic
def presence_open(*, channel_name: str, user_id: int, server_id: str) -> bool:
    """Record an open socket; True if the user was offline until now."""
    server_beat(server_id=server_id)
    User.objects.select_for_update().filter(pk=user_id).first()
    Presence.objects.create(channel_name=channel_name, user_id=user_id, server_id=server_id)
    return Presence.objects.filter(user_id=user_id).count() == 1


@transaction.atomic
def presence_close(*, channel_name: str, user_id: int) -> bool:
    """Forget a closed socket; True if the user has no socket left."""
    User.objects.select_for_update().filter(pk=user_id).first()
    Presence.objects.filter(channel_name=channel_name).delete()
    return not Presence.objects.filter(user_id=user_id).exists()


@transaction.atomic
def presence_sweep(*, expiry: float) -> list[int]:
    """Drop servers silent for ``expiry`` seconds with their sockets; the users now offline."""
    dead = Server.objects.filter(seen_at__lt=timezone.now() - timedelta(seconds=expiry))
    affected = set(Presence.objects.filter(server__in=dead).values_list("user_id", flat=True))
    if not affected and not dead.exists():
        return []
    dead.delete()
    still = set(Presence.objects.filter(user_id__in=affected).values_list("user_id", flat=True))
    return sorted(affected - still)


def online_recent(*, limit: int) -> list[User]:
    """The ``limit`` users whose newest socket opened last, newest first (an index walk, not a scan)."""
    ids: dict[int, None] = {}
    for user_id in Presence.objects.order_by("-opened_at").values_list("user_id", flat=True).iterator(limit * 2):
        ids[user_id] = None
        if len(ids) == limit:
            break
    users = User.objects.in_bulk(list(ids))
    return [users[user_id] for user_id in ids if user_id in users]


def online_count() -> int:
    """How many users have an open socket."""
    return Presence.objects.values("user_id").distinct().count()


def presence_changes(*, changed: dict[int, dict[str, object]]) -> dict[str, Any]:
    """The ``lobby.presence`` message for users whose presence or name changed: each one's state now.

    Past ``SHOWN`` changed users it lists the ``SHOWN`` newest online users instead, for the page to replace.
    """
    if len(changed) > SHOWN:
        recent = [user.public() for user in online_recent(limit=SHOWN)]
        return {"type": "lobby.presence", "online": recent, "online_count": online_count()}
    online = set(Presence.objects.filter(user_id__in=list(changed)).values_list("user_id", flat=True))
    changes = [{"user": user, "online": user_id in online} for user_id, user in changed.items()]
    return {"type": "lobby.presence", "changes": changes, "online_count": online_count()}


def is_online(*, user_id: int) -> bool:
    """Whether the user has an open socket."""
    return Presence.objects.filter(user_id=user_id).exists()
