"""Channel-layer group names for the four notification scopes of seed 001.

broadcast: every socket; user: every tab of one user; session: one browser session;
group: a named group (a room's players and spectators, or a Django auth group).
"""

from __future__ import annotations

import hashlib
import re

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from core.accounts.models import User

BROADCAST = "notify.broadcast"
LOBBY = "lobby"


def user_group(user_id: int) -> str:
    """Every socket of one user."""
    return f"notify.user.{user_id}"


def session_group(session_key: str) -> str:
    """Every socket of one browser session (hashed: the key itself is a credential)."""
    return "notify.session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def named_group(name: str) -> str:
    """A named group, made safe for the channel layer's group-name rules."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:70]
    return f"notify.group.{safe}"


def room_group(room_id: str) -> str:
    """The players and spectators of one room: the named group ``room.<id>``."""
    return named_group(f"room.{room_id}")


@database_sync_to_async
def _auth_groups(user: User) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


async def for_socket(user: User, session_key: str | None) -> list[str]:
    """The groups a new socket of this user and session subscribes to."""
    names = [BROADCAST, user_group(user.pk)]
    if session_key:
        names.append(session_group(session_key))
    names.extend(named_group(name) for name in await _auth_groups(user))
    return names


async def send_frame(group: str, frame: str) -> None:
    """Send one pre-encoded frame to every socket in a group, in every process."""
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(group, {"type": "frame.push", "frame": frame})
