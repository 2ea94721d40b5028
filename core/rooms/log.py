"""The action log's entries, replayed the same way by a room after a restart and by the replay page.

An entry is a player's action (its type is one of the game's actions) or a phase clock that
ran out (``room.expire``, stored by the runtime so a replay repeats the same skips).
"""

from __future__ import annotations

import random
from typing import Any

import msgspec

from core.transport import wire

from .protocol import JSON, Game

EXPIRE = "room.expire"


def expiry(key: int) -> JSON:
    """The stored entry for phase clock ``key`` running out."""
    return {"type": EXPIRE, "key": key}


def fresh_state(game: Game[Any], players: int, options: msgspec.Struct, seed: int, content: JSON | None) -> Any:
    """A match's first state: set up from its seed, then given its prepared content, if any."""
    state = game.setup(players, options, random.Random(seed))
    if content is not None:
        game.provide(state, content)
    return state


def replay_entry(game: Game[Any], state: Any, seat: int, payload: JSON) -> str:
    """Apply one stored entry to ``state``; returns its line for the move list."""
    if payload["type"] == EXPIRE:
        game.expire(state, int(payload["key"]))
        return "Time ran out."
    action = wire.convert(payload, game.actions[payload["type"]])
    game.apply(state, seat, action)
    return game.describe(seat, action)
