"""Tic-tac-toe: Parlor's reference game, the smallest complete example of the Game interface.

Wire protocol (beside the platform's ``room.*`` messages):

| direction | message | meaning |
|---|---|---|
| client → server | ``{"type": "mark", "cell": 0..8}`` | mark a cell (row-major) |
| server → client | event ``{"type": "marked", "seat": s, "cell": c}`` | inside ``room.state.events`` |

X (seat 0) moves first. In the misère variant, completing a line loses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Annotated, ClassVar

import msgspec

from core.rooms.protocol import JSON, Event, Game, IllegalAction, Outcome

LINES = (
    (0, 1, 2), (3, 4, 5), (6, 7, 8),
    (0, 3, 6), (1, 4, 7), (2, 5, 8),
    (0, 4, 8), (2, 4, 6),
)  # fmt: skip


class TicTacToeOptions(msgspec.Struct, forbid_unknown_fields=True):
    """Room options."""

    misere: Annotated[bool, msgspec.Meta(title="Misère: three in a row loses")] = False


class Mark(msgspec.Struct, forbid_unknown_fields=True):
    """Mark one cell, numbered 0..8 row by row."""

    cell: Annotated[int, msgspec.Meta(ge=0, le=8)]


@dataclass
class State:
    """The board (None, 0 or 1 per cell), whose turn it is, and the moves so far."""

    misere: bool
    board: list[int | None] = field(default_factory=lambda: [None] * 9)
    turn: int = 0
    moves: list[int] = field(default_factory=list)


def line_of(board: list[int | None]) -> tuple[int, ...] | None:
    """The first complete line on the board, if any."""
    for line in LINES:
        first = board[line[0]]
        if first is not None and all(board[cell] == first for cell in line):
            return line
    return None


class TicTacToe(Game[State]):
    """Two players, X and O, take turns marking a 3×3 grid."""

    slug = "tictactoe"
    name = "Tic-tac-toe"
    description = "Three in a row wins. The reference game: small enough to read in one sitting."
    min_players = 2
    max_players = 2
    Options = TicTacToeOptions
    actions: ClassVar = {"mark": Mark}
    seat_labels = ("X", "O")

    def setup(self, players: int, options: TicTacToeOptions, rng: random.Random) -> State:
        return State(misere=options.misere)

    def apply(self, state: State, seat: int, action: Mark) -> list[Event]:
        if self.outcome(state) is not None:
            raise IllegalAction("The game is over.")
        if seat != state.turn:
            raise IllegalAction("It isn't your turn.")
        if state.board[action.cell] is not None:
            raise IllegalAction("This cell is taken.")
        state.board[action.cell] = seat
        state.moves.append(action.cell)
        state.turn = 1 - seat
        return [Event("marked", {"seat": seat, "cell": action.cell})]

    def view(self, state: State, seat: int | None) -> JSON:
        return {
            "board": list(state.board),
            "turn": state.turn,
            "moves": list(state.moves),
            "line": line_of(state.board),
            "misere": state.misere,
        }

    def outcome(self, state: State) -> Outcome | None:
        line = line_of(state.board)
        if line is not None:
            owner = state.board[line[0]]
            assert owner is not None
            winner = 1 - owner if state.misere else owner
            reason = "completed a line and lost (misère)" if state.misere else "three in a row"
            return Outcome((winner,), reason)
        if all(cell is not None for cell in state.board):
            return Outcome((), "the board is full")
        return None

    def current_seats(self, state: State) -> frozenset[int]:
        return frozenset() if self.outcome(state) else frozenset({state.turn})
