"""Tic-tac-toe rules as pure functions of the state: no Django, no Channels, no event loop."""

from __future__ import annotations

import copy
import random

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rooms.protocol import Event, IllegalAction, Outcome
from core.transport import wire
from games.tictactoe.rules import LINES, Mark, State, TicTacToe, line_of

GAME = TicTacToe()
Options = TicTacToe.Options


def new(misere: bool = False) -> State:
    return GAME.setup(2, Options(misere=misere), random.Random(0))


def play(state: State, *cells: int) -> State:
    """Apply ``cells`` alternately, starting with whoever's turn it is."""
    for cell in cells:
        GAME.apply(state, state.turn, Mark(cell=cell))
    return state


def line_owners(state: State) -> set[int | None]:
    """The seats owning at least one complete line."""
    board = state.board
    return {board[a] for a, b, c in LINES if board[a] is not None and board[a] == board[b] == board[c]}


# Wins, draws, misère.


@pytest.mark.parametrize("line", LINES)
def test_x_completing_any_line_wins(line: tuple[int, int, int]) -> None:
    """X wins on every row, column and both diagonals."""
    o_cells = [c for c in range(9) if c not in line][:2]  # two O marks can never make a line
    state = play(new(), line[0], o_cells[0], line[1], o_cells[1], line[2])
    assert GAME.outcome(state) == Outcome((0,), "three in a row")
    assert GAME.view(state, 0)["line"] == line
    assert GAME.current_seats(state) == frozenset()


def test_o_can_win_too() -> None:
    """O (seat 1) wins the middle column."""
    state = play(new(), 0, 1, 2, 4, 3, 7)
    assert GAME.outcome(state) == Outcome((1,), "three in a row")


def test_full_board_without_line_is_a_draw() -> None:
    """X O X / X O O / O X X fills the board with no line: a draw."""
    state = play(new(), 0, 1, 2, 4, 3, 5, 7, 6, 8)
    assert line_of(state.board) is None
    outcome = GAME.outcome(state)
    assert outcome == Outcome((), "the board is full")
    assert outcome is not None and outcome.as_json() == {"winners": [], "reason": "the board is full", "draw": True}


def test_line_on_the_last_cell_is_a_win_not_a_draw() -> None:
    """Completing a line with the ninth mark wins."""
    state = play(new(), 0, 1, 2, 4, 7, 3, 5, 6, 8)
    assert all(cell is not None for cell in state.board)
    assert GAME.outcome(state) == Outcome((0,), "three in a row")


def test_misere_completing_a_line_loses() -> None:
    """In misère, X completing the top row makes O the winner."""
    state = play(new(misere=True), 0, 3, 1, 4, 2)
    assert GAME.outcome(state) == Outcome((1,), "completed a line and lost (misère)")
    assert GAME.view(state, None)["misere"] is True


def test_in_progress_game_has_no_outcome() -> None:
    """A fresh board and a half-played one have no outcome; the mover is awaited."""
    state = new()
    assert GAME.outcome(state) is None and GAME.current_seats(state) == frozenset({0})
    play(state, 4)
    assert GAME.outcome(state) is None and GAME.current_seats(state) == frozenset({1})


# Illegal actions change nothing.


def assert_refused(state: State, seat: int, cell: int, message: str) -> None:
    before = copy.deepcopy(state)
    with pytest.raises(IllegalAction, match=message):
        GAME.apply(state, seat, Mark(cell=cell))
    assert state == before


def test_not_your_turn_is_refused_and_changes_nothing() -> None:
    """O may not move first; X may not move twice."""
    state = new()
    assert_refused(state, 1, 4, "isn't your turn")
    play(state, 4)
    assert_refused(state, 0, 0, "isn't your turn")


def test_taken_cell_is_refused_and_changes_nothing() -> None:
    """Marking an occupied cell is refused, whoever owns it."""
    state = play(new(), 4, 0)
    assert_refused(state, 0, 4, "taken")
    assert_refused(state, 0, 0, "taken")


def test_moves_after_game_over_are_refused_and_change_nothing() -> None:
    """After a win or a draw, even the right seat on a free cell is refused."""
    won = play(new(), 0, 3, 1, 4, 2)
    assert_refused(won, won.turn, 8, "over")
    assert_refused(won, 1 - won.turn, 8, "over")
    drawn = play(new(), 0, 1, 2, 4, 3, 5, 7, 6, 8)
    assert_refused(drawn, drawn.turn, 0, "over")


# What players see.


def test_view_contents() -> None:
    """The view shows board, turn, moves, line and variant; players and spectators see the same."""
    state = play(new(), 4, 0)
    view = GAME.view(state, 0)
    assert view == {
        "board": [1, None, None, None, 0, None, None, None, None],
        "turn": 0,
        "moves": [4, 0],
        "line": None,
        "misere": False,
    }
    assert GAME.view(state, 1) == view == GAME.view(state, None)
    view["board"][8] = 1
    view["moves"].append(8)
    assert state.board[8] is None and state.moves == [4, 0], "the view must be a copy"
    msgspec.json.encode(view)


def test_apply_returns_marked_event_for_everyone() -> None:
    """A mark yields one public ``marked`` event."""
    assert GAME.apply(new(), 0, Mark(cell=5)) == [Event("marked", {"seat": 0, "cell": 5})]


def test_seat_labels() -> None:
    """Seat 0 is X, seat 1 is O."""
    assert (GAME.seat_label(0), GAME.seat_label(1)) == ("X", "O")


# Validation at the edge (core.transport.wire.convert, no Django involved).


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"type": "mark", "cell": -1}, r"Invalid 'mark' message: Expected `int` >= 0 - at `\$.cell`"),
        ({"type": "mark", "cell": 9}, r"Invalid 'mark' message: Expected `int` <= 8 - at `\$.cell`"),
        ({"type": "mark", "cell": "4"}, r"Invalid 'mark' message: Expected `int`, got `str` - at `\$.cell`"),
        ({"type": "mark"}, r"Invalid 'mark' message: Object missing required field `cell`"),
        ({"type": "mark", "cell": 4, "x": 1}, r"Invalid 'mark' message: Object contains unknown field `x`"),
    ],
)
def test_mark_validation_gives_clear_bad_message(payload: dict[str, object], expected: str) -> None:
    """Out-of-range, wrongly typed, missing and extra fields are refused with a readable reason."""
    with pytest.raises(wire.BadMessage, match=expected):
        wire.convert(payload, GAME.actions["mark"])


@pytest.mark.parametrize("cell", [0, 4, 8])
def test_mark_validation_accepts_every_cell_bound(cell: int) -> None:
    """0..8 pass validation."""
    assert wire.convert({"type": "mark", "cell": cell}, Mark) == Mark(cell=cell)


def test_options_refuse_unknown_fields() -> None:
    """Options are strict: a typo is an error, not silently ignored."""
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"misery": True}, Options)


# Properties over random play.


@st.composite
def games(draw: st.DrawFn) -> tuple[bool, list[int]]:
    """A variant and a legal sequence of cells, possibly ending early."""
    misere = draw(st.booleans())
    order = draw(st.permutations(range(9)))
    return misere, list(order[: draw(st.integers(0, 9))])


@settings(max_examples=300, deadline=None, database=None)
@given(games(), st.data())
def test_random_legal_play_keeps_invariants(game: tuple[bool, list[int]], data: st.DataObject) -> None:
    """Legal play alternates, never has two line owners, and refused moves never change state."""
    misere, cells = game
    state = new(misere)
    for index, cell in enumerate(cells):
        if GAME.outcome(state) is not None:
            break
        assert state.turn == index % 2, "X and O alternate, X first"
        # An illegal action sneaked in: wrong seat, or a taken cell; nothing may change.
        taken = [c for c in range(9) if state.board[c] is not None]
        if data.draw(st.booleans()):
            assert_refused(state, 1 - state.turn, cell, "isn't your turn")
        if taken and data.draw(st.booleans()):
            assert_refused(state, state.turn, data.draw(st.sampled_from(taken)), "taken")
        events = GAME.apply(state, state.turn, Mark(cell=cell))
        assert events == [Event("marked", {"seat": index % 2, "cell": cell})]
        assert state.moves == cells[: index + 1]
        assert len(line_owners(state)) <= 1
        xs, os_ = state.board.count(0), state.board.count(1)
        assert xs - os_ in (0, 1)


@settings(max_examples=200, deadline=None, database=None)
@given(st.booleans(), st.permutations(range(9)), st.integers(0, 8), st.integers(0, 1))
def test_outcome_is_stable_once_reached(misere: bool, order: list[int], cell: int, seat: int) -> None:
    """Play until the end; then every action is refused and the outcome never changes."""
    state = new(misere)
    for cell_played in order:
        if GAME.outcome(state) is not None:
            break
        play(state, cell_played)
    outcome = GAME.outcome(state)
    assert outcome is not None, "nine legal moves always end the game"
    if outcome.winners:
        assert len(line_owners(state)) == 1
        owner = line_owners(state).pop()
        assert outcome.winners == ((1 - owner,) if misere else (owner,))
    assert_refused(state, seat, cell, "over")
    assert GAME.outcome(state) == outcome
