"""The catalog of installed games, filled by each game app's ``AppConfig.ready``."""

from __future__ import annotations

from typing import Any

from .codecs import STATE, Codec
from .protocol import Game

_games: dict[str, Game[Any]] = {}
_page_codecs: dict[str, Codec] = {}
_RESERVED = ("room.", "lobby.", "notify.", "invitation.", "ping")


def register(game: Game[Any], page_codec: Codec | None = None) -> None:
    """Add a game; its action names must not collide with the platform's message types.

    ``page_codec`` replaces ``room.state`` on the room page's socket (a real-time game's snapshots).
    """
    for name in game.actions:
        if "." in name or name.startswith(_RESERVED):
            raise ValueError(f"{game.slug}: action name {name!r} is reserved for the platform")
    if not 1 <= game.min_players <= game.max_players:
        raise ValueError(f"{game.slug}: bad player range {game.min_players}..{game.max_players}")
    _games[game.slug] = game
    if page_codec is not None:
        _page_codecs[game.slug] = page_codec


def page_codec(slug: str) -> Codec:
    """The codec of a game's room page: its own, or ``room.state``."""
    return _page_codecs.get(slug, STATE)


def get(slug: str) -> Game[Any] | None:
    """The game registered under ``slug``, if any."""
    return _games.get(slug)


def all_games() -> list[Game[Any]]:
    """Every registered game, by name."""
    return sorted(_games.values(), key=lambda game: game.name)


def unregister(slug: str) -> None:
    """Remove a game (tests that register toy games clean up with this)."""
    _games.pop(slug, None)
    _page_codecs.pop(slug, None)
