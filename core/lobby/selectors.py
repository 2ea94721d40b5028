"""Reads for the lobby: the catalog, open rooms, pending invitations (sync ORM)."""

from __future__ import annotations

import functools
import time
from typing import Any

import msgspec
from django.db.models import Q

from core.accounts.models import User
from core.presence import services as presence
from core.rooms import registry
from core.rooms.models import Room
from core.rooms.summary import room_summary

from . import feed
from .models import Invitation

_online: tuple[int, float, list[dict[str, object]], int] | None = None  # feed generation, time, newest, count
ONLINE_MAX_AGE = 5.0  # seconds; a second tab moves its user up the newest without a frame


def game_catalog() -> list[dict[str, Any]]:
    """Every installed game with its player range and the JSON Schema of its options."""
    return [
        {
            "slug": game.slug,
            "name": game.name,
            "description": game.description,
            "min_players": game.min_players,
            "max_players": game.max_players,
            "options": _options_schema(game.Options),
            "bot_levels": list(game.bot_levels),
        }
        for game in registry.all_games()
    ]


@functools.cache
def _options_schema(options: type) -> dict[str, Any]:
    return msgspec.json.schema(options)


def online_summary(*, user: User) -> dict[str, Any]:
    """Who is online, for a new lobby page of ``user``: ``online``, newest first and capped, and ``online_count``.

    Read once per lobby feed frame, not per socket: a page subscribes to the feed before it reads this
    copy, so the frames bring it what the copy misses, except itself, which is added here.
    """
    global _online
    generation, now = feed.generation, time.monotonic()
    if _online is None or _online[0] != generation or now - _online[1] > ONLINE_MAX_AGE:
        recent = [other.public() for other in presence.online_recent(limit=presence.SHOWN)]
        _online = (generation, now, recent, presence.online_count())
    _, _, online, count = _online
    if all(other["id"] != user.pk for other in online):
        online, count = [user.public(), *online][: presence.SHOWN], count + 1
    return {"online": online, "online_count": count}


def room_list_open(limit: int = 50) -> list[dict[str, Any]]:
    """Public rooms waiting for players or being played, newest activity first."""
    rooms = (
        Room.objects.filter(public=True, status__in=[Room.Status.WAITING, Room.Status.PLAYING])
        .prefetch_related("seats__user")
        .order_by("-updated_at")[:limit]
    )
    summaries = []
    for room in rooms:
        game = registry.get(room.game)
        if game is None:
            continue
        summaries.append(
            room_summary(
                room_id=room.pk,
                game=game,
                status=room.status,
                public=room.public,
                players=[str(seat.user) for seat in room.seats.all()],
                join_url=room.join_url(),
                watch_url=room.get_absolute_url(),
            )
        )
    return summaries


def invitation_list_pending(*, user: User) -> list[dict[str, Any]]:
    """Pending invitations to and from the user."""
    pending = Invitation.objects.filter(Q(to_user=user) | Q(from_user=user), status=Invitation.Status.PENDING)
    return [item.as_json() for item in pending.select_related("from_user", "to_user", "room")]


def lobby_state(*, user: User) -> dict[str, Any]:
    """Everything a lobby page shows when its socket opens."""
    return {
        "type": "lobby.state",
        "me": user.public(),
        "games": game_catalog(),
        **online_summary(user=user),
        "rooms": room_list_open(),
        "invitations": invitation_list_pending(user=user),
    }
