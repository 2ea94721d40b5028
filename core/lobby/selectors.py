"""Reads for the lobby: the catalog, open rooms, pending invitations (sync ORM)."""

from __future__ import annotations

from typing import Any

import msgspec
from django.db.models import Q

from core.accounts.models import User
from core.presence.services import online_users
from core.rooms import registry
from core.rooms.models import Room
from core.rooms.summary import room_summary

from .models import Invitation


def game_catalog() -> list[dict[str, Any]]:
    """Every installed game with its player range and the JSON Schema of its options."""
    return [
        {
            "slug": game.slug,
            "name": game.name,
            "description": game.description,
            "min_players": game.min_players,
            "max_players": game.max_players,
            "options": msgspec.json.schema(game.Options),
            "bot_levels": list(game.bot_levels),
        }
        for game in registry.all_games()
    ]


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
        "online": [other.public() for other in online_users()],
        "rooms": room_list_open(),
        "invitations": invitation_list_pending(user=user),
    }
