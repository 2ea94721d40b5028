"""Presence merged per user across tabs and processes (sync ORM; call through database_sync_to_async).

A user is online while any of their sockets is open on a live server. Closing the last tab
takes them offline at once; a crashed process's sockets expire with its heartbeat. Opening and
closing lock the user's row, so two processes closing a user's last two tabs can't both miss it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User

from .models import Presence, Server


def server_beat(*, server_id: str) -> None:
    """Record that this process is alive."""
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


def online_users() -> list[User]:
    """Every user with an open socket, by name."""
    users = User.objects.filter(presences__isnull=False).distinct()
    return sorted(users, key=lambda user: str(user).lower())


def is_online(*, user_id: int) -> bool:
    """Whether the user has an open socket."""
    return Presence.objects.filter(user_id=user_id).exists()
