"""The catalog of installed games, filled by each game app's ``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from .codecs import STATE, Codec
from .protocol import JSON, Game

Prepare = Callable[[msgspec.Struct, Sequence[JSON]], Awaitable[JSON]]


@dataclass(frozen=True, slots=True)
class Finished:
    """A match that just ended, handed to the game's ``finished`` hook (to save an artefact, like a picture)."""

    room_id: str
    match_id: int
    number: int
    state: Any
    names: tuple[str, ...]


Finish = Callable[[Finished], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Hooks:
    """A game's I/O beside its pure rules, run by the runtime.

    ``prepare(options, earlier)`` makes a match's content before it starts (AI prompts; ``earlier``
    holds the room's previous contents, so nothing repeats); ``finished`` runs once a match ends.
    """

    prepare: Prepare | None = None
    finished: Finish | None = None


_games: dict[str, Game[Any]] = {}
_page_codecs: dict[str, Codec] = {}
_hooks: dict[str, Hooks] = {}
NO_HOOKS = Hooks()
_RESERVED = ("room.", "lobby.", "notify.", "invitation.", "ping")


def register(game: Game[Any], page_codec: Codec | None = None, hooks: Hooks | None = None) -> None:
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
    if hooks is not None:
        _hooks[game.slug] = hooks


def hooks(slug: str) -> Hooks:
    """A game's I/O hooks (none by default)."""
    return _hooks.get(slug, NO_HOOKS)


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
    _hooks.pop(slug, None)
