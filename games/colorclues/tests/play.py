"""Helpers for the Color Clues rules tests: a new game, a turn, a round, a refusal."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from core.rooms.protocol import Event, IllegalAction
from core.transport import wire
from games.colorclues import board
from games.colorclues.rules import ColorClues, ColorCluesOptions, State

GAME = ColorClues()
WORDS = (
    "lavender seafoam sunset ocean lemon mint sky rust plum coral moss sand cherry forest ice ember rose peach "
    "olive slate honey cocoa denim jade ruby amber lilac salmon tomato banana cream ink smoke storm flame grass "
    "leaf night dawn dusk steel cloud snow coal wine berry lime teal navy mustard"
).split()
H15 = board.parse("H15")


def new(players: int = 3, seed: int = 0, **options: Any) -> State:
    return GAME.setup(players, ColorCluesOptions(**options), random.Random(seed))


def send(state: State, seat: int, message: dict[str, Any]) -> list[Event]:
    """Validate ``message`` as the runtime does, then apply it for ``seat``."""
    return GAME.apply(state, seat, wire.convert(message, GAME.actions[message["type"]]))


def giver(state: State) -> int:
    return int(GAME.view(state, None)["giver"])


def awaited(state: State) -> int:
    (seat,) = GAME.current_seats(state)
    return seat


def fresh_word(state: State) -> str:
    """A cue not yet given in this game."""
    return next(word for word in WORDS if word not in state.used)


def free_square(state: State, avoid: set[int] | frozenset[int] = frozenset()) -> int:
    taken = {square for _, square in state.placements}
    return next(square for square in range(board.SQUARES) if square not in taken and square not in avoid)


def expire(state: State) -> list[Event]:
    """Let the running clock run out."""
    timer = GAME.timer(state)
    assert timer is not None
    return GAME.expire(state, timer.key)


def guess_all(state: State) -> list[int]:
    """Every guesser of the running guess phase places a piece on a free square; returns who played, in order."""
    played, phase = [], state.phase
    while state.phase == phase:
        seat = awaited(state)
        played.append(seat)
        send(state, seat, {"type": "place", "square": free_square(state)})
    return played


def play_round(state: State, passing: bool = False) -> None:
    """One whole round with fresh cues (or a pass instead of the second), up to the reveal."""
    send(state, giver(state), {"type": "clue", "card": 0, "cue": fresh_word(state)})
    guess_all(state)
    send(state, giver(state), {"type": "pass"} if passing else {"type": "clue", "cue": fresh_word(state)})
    guess_all(state)


def assert_refused(state: State, seat: int, message: dict[str, Any], reason: str) -> None:
    """``message`` from ``seat`` is refused with ``reason`` and changes nothing."""
    before = copy.deepcopy(state)
    with pytest.raises(IllegalAction) as refused:
        send(state, seat, message)
    assert str(refused.value) == reason
    assert state == before
