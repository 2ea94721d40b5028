"""The catalog of installed games, filled by each game app's ``AppConfig.ready``."""

from __future__ import annotations

from typing import Any

from .protocol import Game

_games: dict[str, Game[Any]] = {}
_RESERVED = ("room.", "lobby.", "notify.", "invitation.", "ping")


def register(game: Game[Any]) -> None:
    """Add a game; its action names must not collide with the platform's message types."""
    for name in game.actions:
        if "." in name or name.startswith(_RESERVED):
            raise ValueError(f"{game.slug}: action name {name!r} is reserved for the platform")
    if not 1 <= game.min_players <= game.max_players:
        raise ValueError(f"{game.slug}: bad player range {game.min_players}..{game.max_players}")
    _games[game.slug] = game


def get(slug: str) -> Game[Any] | None:
    """The game registered under ``slug``, if any."""
    return _games.get(slug)


def all_games() -> list[Game[Any]]:
    """Every registered game, by name."""
    return sorted(_games.values(), key=lambda game: game.name)


def unregister(slug: str) -> None:
    """Remove a game (tests that register toy games clean up with this)."""
    _games.pop(slug, None)
