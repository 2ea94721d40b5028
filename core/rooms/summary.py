"""A room as the lobby lists it, built the same way from a live room or a database row."""

from __future__ import annotations

from typing import Any

from .protocol import JSON, Game


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
    """Public rooms show their join link (anyone may sit); private ones never appear in the lobby."""
    summary: JSON = {
        "id": room_id,
        "game": game.slug,
        "game_name": game.name,
        "status": status,
        "public": public,
        "players": players,
        "max_players": game.max_players,
        "watch_url": watch_url,
    }
    if public and status == "waiting" and len(players) < game.max_players:
        summary["join_url"] = join_url
    return summary
