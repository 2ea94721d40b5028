"""Connect Four: drop checkers into a 7×6 grid; four in a row, across, up or diagonally, wins.

Wire protocol (beside the platform's ``room.*`` messages):

| direction | message | meaning |
|---|---|---|
| client → server | ``{"type": "play", "column": 0..6}`` | drop a checker in a column (0 is the leftmost) |
| server → client | event ``{"type": "played", "player": p, "seat": s, "column": c, "row": r}`` | a checker landed |

Events arrive inside ``room.state.events``; ``p`` is "red" or "yellow"; row 0 is the bottom.

Red (seat 0) moves first. A computer player is available (see ``bot.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

import msgspec

from core.rooms.protocol import JSON, Event, Game, IllegalAction, Outcome

PLAYERS = ("red", "yellow")
COLUMNS = 7
ROWS = 6
DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))  # across, up, and the two diagonals


class Play(msgspec.Struct, forbid_unknown_fields=True):
    """Drop a checker into one column, numbered 0..6 from the left."""

    column: Annotated[int, msgspec.Meta(ge=0, le=COLUMNS - 1)]


@dataclass
class State:
    """The columns (seats bottom up), whose turn it is, the moves so far and, once won, the line and winner."""

    columns: list[list[int]] = field(default_factory=lambda: [[] for _ in range(COLUMNS)])
    turn: int = 0
    moves: list[tuple[int, int, int]] = field(default_factory=list)  # (seat, column, row)
    line: tuple[tuple[int, int], ...] | None = None  # the winning four as (column, row) cells
    winner: int | None = None


def owner(columns: list[list[int]], column: int, row: int) -> int | None:
    """The seat whose checker is at (column, row), or None for an empty or off-board cell."""
    if 0 <= column < COLUMNS and 0 <= row < len(columns[column]):
        return columns[column][row]
    return None


def line_through(columns: list[list[int]], column: int, row: int) -> tuple[tuple[int, int], ...] | None:
    """Four consecutive checkers of one seat including (column, row), if there are any."""
    seat = owner(columns, column, row)
    if seat is None:
        return None
    for dc, dr in DIRECTIONS:
        before = 0
        while owner(columns, column - (before + 1) * dc, row - (before + 1) * dr) == seat:
            before += 1
        after = 0
        while owner(columns, column + (after + 1) * dc, row + (after + 1) * dr) == seat:
            after += 1
        if before + after + 1 >= 4:
            start = max(-before, -3)  # the window of four that starts furthest back yet holds the new checker
            return tuple((column + (start + i) * dc, row + (start + i) * dr) for i in range(4))
    return None


class ConnectFour(Game[State]):
    """Two players, red and yellow, take turns dropping checkers into a 7-column, 6-row grid."""

    slug = "connect4"
    name = "Connect Four"
    description = "Drop checkers into the grid; four in a row across, up or diagonally wins."
    min_players = 2
    max_players = 2
    actions: ClassVar = {"play": Play}
    seat_labels = PLAYERS
    bot_levels: ClassVar = {"easy": 2, "medium": 4, "hard": 6}

    def setup(self, players: int, options: Any, rng: random.Random) -> State:
        return State()

    def apply(self, state: State, seat: int, action: Play) -> list[Event]:
        if self.outcome(state) is not None:
            raise IllegalAction("The game is over.")
        if seat != state.turn:
            raise IllegalAction("It isn't your turn.")
        column = state.columns[action.column]
        if len(column) >= ROWS:
            raise IllegalAction("This slot is full.")
        row = len(column)
        column.append(seat)
        state.moves.append((seat, action.column, row))
        line = line_through(state.columns, action.column, row)
        if line is not None:
            state.line, state.winner = line, seat
        state.turn = 1 - seat
        return [Event("played", {"player": PLAYERS[seat], "seat": seat, "column": action.column, "row": row})]

    def view(self, state: State, seat: int | None) -> JSON:
        return {
            "columns": [list(column) for column in state.columns],
            "moves": [list(move) for move in state.moves],
            "turn": state.turn,
            "line": None if state.line is None else [list(cell) for cell in state.line],
        }

    def outcome(self, state: State) -> Outcome | None:
        if state.winner is not None:
            return Outcome((state.winner,), "four in a row")
        if len(state.moves) >= COLUMNS * ROWS:
            return Outcome((), "the board is full")
        return None

    def current_seats(self, state: State) -> frozenset[int]:
        return frozenset() if self.outcome(state) else frozenset({state.turn})

    def describe(self, seat: int, action: Play) -> str:
        return f"{PLAYERS[seat]}: column {action.column + 1}"

    def bot_action(self, state: State, seat: int, level: int, rng: random.Random) -> dict[str, Any]:
        from .bot import choose  # bot.py imports this module, so import it when first needed

        return {"type": "play", "column": choose(state, seat, level, rng)}
