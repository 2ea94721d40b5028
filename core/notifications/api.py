"""The one way to notify anyone: ``notify`` (sync) and ``anotify`` (async), after django.contrib.messages.

Callers name a scope and never care whether the recipient is online: the notification is
stored first, then delivered to live sockets; users who were offline find user and broadcast
notifications unread when they come back. Sync callers (admin, management commands, other
processes) leave delivery to each server's outbox dispatcher, which picks it up within
PARLOR["NOTIFY_POLL"] seconds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.accounts.models import User
from core.transport import groups, wire

from .models import Notification, Receipt

Scope = Notification.Scope
BROADCAST_MEMORY = timedelta(days=14)

__all__ = ["Scope", "anotify", "deliver_pending", "mark_read", "notify", "unread_for"]


def notify(
    *,
    scope: str,
    text: str,
    kind: str = "message",
    user: User | None = None,
    group: str = "",
    session_key: str = "",
    data: dict[str, Any] | None = None,
) -> Notification:
    """Store a notification for the outbox; the target must match the scope."""
    target = {Scope.BROADCAST: True, Scope.USER: user, Scope.GROUP: group, Scope.SESSION: session_key}
    if scope not in target:
        raise ValueError(f"unknown scope {scope!r}")
    if not target[Scope(scope)]:
        raise ValueError(f"scope {scope!r} needs its target")
    return Notification.objects.create(
        scope=scope, text=text, kind=kind, user=user, group=group, session_key=session_key, data=data or {}
    )


async def anotify(**kwargs: Any) -> Notification:
    """Store a notification and deliver it now (from async code in a server process)."""
    notification = await database_sync_to_async(notify)(**kwargs)
    if await database_sync_to_async(_claim)(notification.pk):
        await _send(notification)
    return notification


def _claim(pk: int) -> bool:
    """Mark one notification dispatched; only the caller that flips it delivers it."""
    return Notification.objects.filter(pk=pk, dispatched_at__isnull=True).update(dispatched_at=timezone.now()) == 1


def _claim_pending(limit: int = 100) -> list[Notification]:
    pending = list(Notification.objects.filter(dispatched_at__isnull=True).order_by("pk")[:limit])
    return [notification for notification in pending if _claim(notification.pk)]


def _group_for(notification: Notification) -> str:
    if notification.scope == Scope.BROADCAST:
        return groups.BROADCAST
    if notification.scope == Scope.USER:
        assert notification.user_id is not None
        return groups.user_group(notification.user_id)
    if notification.scope == Scope.SESSION:
        return groups.session_group(notification.session_key)
    return groups.named_group(notification.group)


async def _send(notification: Notification) -> None:
    await groups.send_frame(_group_for(notification), wire.encode(notification.as_json()))


async def deliver_pending() -> int:
    """Deliver what sync callers stored (run periodically by each server process)."""
    claimed = await database_sync_to_async(_claim_pending)()
    for notification in claimed:
        await _send(notification)
    return len(claimed)


def unread_for(user: User) -> QuerySet[Notification]:
    """A user's unread user-scope notifications and recent announcements, newest first."""
    since = max(user.date_joined, timezone.now() - BROADCAST_MEMORY)
    mine = Q(scope=Scope.USER, user=user) | Q(scope=Scope.BROADCAST, created_at__gte=since)
    return Notification.objects.filter(mine, dispatched_at__isnull=False).exclude(receipts__user=user)


def mark_read(*, user: User, notification_ids: list[int]) -> int:
    """Dismiss notifications the user may see; returns how many were newly marked."""
    visible = Notification.objects.filter(pk__in=notification_ids).filter(
        Q(scope=Scope.BROADCAST) | Q(scope=Scope.USER, user=user)
    )
    done = set(Receipt.objects.filter(user=user, notification__in=visible).values_list("notification_id", flat=True))
    fresh = [Receipt(user=user, notification=item) for item in visible if item.pk not in done]
    Receipt.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
