"""A room as the lobby lists it, built the same way from a live room or a database row."""

from __future__ import annotations

from typing import Any

from .protocol import JSON, Game

LISTED = 8


def room_summary(
    *,
    room_id: str,
    game: Game[Any],
    status: str,
    public: bool,
    players: list[str],
    join_url: str,
    watch_url: str,
) -> JSON:
    """Public rooms show their join link while a seat is free (a drop-in world's too, while it runs)."""
    summary: JSON = {
        "id": room_id,
        "game": game.slug,
        "game_name": game.name,
        "status": status,
        "public": public,
        "players": players[:LISTED],
        "count": len(players),
        "max_players": game.max_players,
        "watch_url": watch_url,
    }
    joinable = status == "waiting" or (game.drop_in and status == "playing")
    if public and joinable and len(players) < game.max_players:
        summary["join_url"] = join_url
    return summary
