"""Connect Four rules as pure functions of the state: no Django, no Channels, no event loop."""

from __future__ import annotations

import copy
import random

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rooms.protocol import Event, IllegalAction, NoOptions, Outcome
from core.transport import wire
from games.connect4.rules import COLUMNS, PLAYERS, ROWS, ConnectFour, Play, State

GAME = ConnectFour()

# A full board with no four: column c, row r holds seat PATTERN[c] ^ (r % 2), so no line of any
# direction has three alike in a row; this order of play (one digit a column) reaches it, turns alternating.
PATTERN = (0, 0, 1, 1, 0, 0, 1)
DRAWN = tuple(int(c) for c in "000000111111422222233333344444555556666665")
# 42 moves with no four until the last, which completes yellow's four up column 0.
WON_LAST = tuple(int(c) for c in "020010204112131122243333364444555555666660")


def new() -> State:
    return GAME.setup(2, NoOptions(), random.Random(0))


def play(state: State, *columns: int) -> State:
    """Apply ``columns`` alternately, starting with whoever's turn it is."""
    for column in columns:
        GAME.apply(state, state.turn, Play(column=column))
    return state


def fours(state: State) -> set[tuple[int, tuple[tuple[int, int], ...]]]:
    """Every line of four checkers of one seat on the board, found by brute force: (seat, cells)."""

    def at(c: int, r: int) -> int | None:
        return state.columns[c][r] if 0 <= c < COLUMNS and 0 <= r < len(state.columns[c]) else None

    found = set()
    for c in range(COLUMNS):
        for r in range(ROWS):
            for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
                cells = tuple((c + i * dc, r + i * dr) for i in range(4))
                owners = {at(*cell) for cell in cells}
                if len(owners) == 1 and None not in owners:
                    found.add((owners.pop(), cells))
    return found


def assert_four(state: State, seat: int) -> None:
    """``seat`` has won, and ``line`` is four consecutive cells of its own including the last checker."""
    assert GAME.outcome(state) == Outcome((seat,), "four in a row")
    assert state.winner == seat
    assert state.line is not None and len(state.line) == 4
    assert (seat, tuple(state.line)) in fours(state) or (seat, tuple(reversed(state.line))) in fours(state)
    assert state.moves[-1][1:] in state.line, "the line holds the winning checker"
    assert GAME.current_seats(state) == frozenset()


# Wins in every direction, draws.


def test_vertical_win() -> None:
    """Red stacks four in column 3 while yellow plays column 4."""
    state = play(new(), 3, 4, 3, 4, 3, 4, 3)
    assert_four(state, 0)
    assert state.line == ((3, 0), (3, 1), (3, 2), (3, 3))


def test_horizontal_win_at_the_end_of_a_line() -> None:
    """Red fills the bottom row's columns 0..3, yellow stacking on top."""
    state = play(new(), 0, 0, 1, 1, 2, 2, 3)
    assert_four(state, 0)
    assert state.line == ((0, 0), (1, 0), (2, 0), (3, 0))


def test_horizontal_win_completed_in_the_middle() -> None:
    """Red has columns 1, 2 and 4 of the bottom row; column 3 completes the four in the middle."""
    state = play(new(), 1, 1, 2, 2, 4, 4, 3)
    assert_four(state, 0)
    assert set(state.line or ()) == {(1, 0), (2, 0), (3, 0), (4, 0)}


def test_five_in_a_row_reports_four_of_them() -> None:
    """Red has 0, 1, 3, 4 of the bottom row; filling 2 makes five, of which four are the line."""
    state = play(new(), 0, 0, 1, 1, 3, 3, 4, 4, 2)
    assert_four(state, 0)
    assert sum(len(column) > 0 and column[0] == 0 for column in state.columns) == 5


def test_rising_diagonal_win_by_yellow() -> None:
    """Yellow builds (1,0) (2,1) (3,2) and completes the rising diagonal at (4,3)."""
    state = play(new(), 2, 1, 3, 2, 3, 3, 4, 4, 4)
    assert GAME.outcome(state) is None
    play(state, 4)
    assert_four(state, 1)
    assert state.line == ((1, 0), (2, 1), (3, 2), (4, 3))


def test_falling_diagonal_win_completed_in_the_middle() -> None:
    """Red holds (0,3) (1,2) (3,0) of a falling diagonal; (2,1) completes it from the middle."""
    state = play(new(), 3, 0, 0, 0, 0, 1, 6, 1, 1, 2)
    assert state.columns[0] == [1, 0, 1, 0] and state.columns[1] == [1, 1, 0] and state.columns[2] == [1]
    assert GAME.outcome(state) is None
    play(state, 2)
    assert_four(state, 0)
    assert set(state.line or ()) == {(0, 3), (1, 2), (2, 1), (3, 0)}
    assert state.line is not None and state.line.index((2, 1)) not in (0, 3), "completed in the middle"


def test_full_board_without_four_is_a_draw() -> None:
    """The 42-move DRAWN sequence fills the board with no four: a draw."""
    state = play(new(), *DRAWN)
    assert state.columns == [[PATTERN[c] ^ (r % 2) for r in range(ROWS)] for c in range(COLUMNS)]
    assert fours(state) == set() and state.winner is None and state.line is None
    outcome = GAME.outcome(state)
    assert outcome == Outcome((), "the board is full")
    assert outcome is not None and outcome.as_json() == {"winners": [], "reason": "the board is full", "draw": True}
    assert GAME.current_seats(state) == frozenset()


def test_four_on_the_last_checker_is_a_win_not_a_draw() -> None:
    """Yellow's 42nd checker fills the board and completes four up column 0: a win, not a draw."""
    state = play(new(), *WON_LAST)
    assert len(state.moves) == COLUMNS * ROWS
    assert_four(state, 1)
    assert state.line == ((0, 2), (0, 3), (0, 4), (0, 5))


def test_in_progress_game_has_no_outcome() -> None:
    """A fresh board and a half-played one have no outcome; the mover is awaited."""
    state = new()
    assert GAME.outcome(state) is None and GAME.current_seats(state) == frozenset({0})
    play(state, 3)
    assert GAME.outcome(state) is None and GAME.current_seats(state) == frozenset({1})


# Gravity.


def test_checkers_land_bottom_up() -> None:
    """Each checker lands on the one below; the event names the row it landed in."""
    state = new()
    for row in range(ROWS):
        seat = state.turn
        events = GAME.apply(state, seat, Play(column=2))
        assert events == [Event("played", {"player": PLAYERS[seat], "seat": seat, "column": 2, "row": row})]
    assert state.columns[2] == [0, 1, 0, 1, 0, 1]
    assert state.moves == [(row % 2, 2, row) for row in range(ROWS)]


# Illegal actions change nothing.


def assert_refused(state: State, seat: int, column: int, message: str) -> None:
    before = copy.deepcopy(state)
    with pytest.raises(IllegalAction) as refused:
        GAME.apply(state, seat, Play(column=column))
    assert str(refused.value) == message
    assert state == before


def test_not_your_turn_is_refused_and_changes_nothing() -> None:
    """Yellow may not move first; red may not move twice."""
    state = new()
    assert_refused(state, 1, 3, "It isn't your turn.")
    play(state, 3)
    assert_refused(state, 0, 3, "It isn't your turn.")


def test_full_column_is_refused_and_changes_nothing() -> None:
    """A seventh checker in a column is refused."""
    state = play(new(), 0, 0, 0, 0, 0, 0)
    assert_refused(state, 0, 0, "This slot is full.")


def test_moves_after_game_over_are_refused_and_change_nothing() -> None:
    """After a win or a draw, even the right seat on a free column is refused."""
    won = play(new(), 3, 4, 3, 4, 3, 4, 3)
    assert_refused(won, won.turn, 0, "The game is over.")
    assert_refused(won, 1 - won.turn, 0, "The game is over.")
    drawn = play(new(), *DRAWN)
    assert_refused(drawn, drawn.turn, 0, "The game is over.")


def test_game_over_is_checked_before_turn_and_column() -> None:
    """The checks run in order: game over, then turn, then a full column."""
    state = play(new(), 0, 0, 0, 0, 0, 0)
    assert_refused(state, 1, 0, "It isn't your turn.")


# What players see.


def test_view_contents() -> None:
    """The view shows columns, moves, turn and line; players and spectators see the same."""
    state = play(new(), 3, 3, 2)
    view = GAME.view(state, 0)
    assert view == {
        "columns": [[], [], [0], [0, 1], [], [], []],
        "moves": [[0, 3, 0], [1, 3, 1], [0, 2, 0]],
        "turn": 1,
        "line": None,
    }
    assert GAME.view(state, 1) == view == GAME.view(state, None)
    view["columns"][2].append(1)
    view["moves"].append([1, 2, 1])
    assert state.columns[2] == [0] and len(state.moves) == 3, "the view must be a copy"
    msgspec.json.encode(view)


def test_view_after_a_win_has_the_line() -> None:
    """Once won, the view carries the four cells as [column, row] lists."""
    state = play(new(), 3, 4, 3, 4, 3, 4, 3)
    assert GAME.view(state, None)["line"] == [[3, 0], [3, 1], [3, 2], [3, 3]]
    assert msgspec.json.decode(msgspec.json.encode(GAME.view(state, None))) == GAME.view(state, None)


def test_seat_labels_and_describe() -> None:
    """Seat 0 is red, seat 1 is yellow; moves are described with 1-based columns."""
    assert (GAME.seat_label(0), GAME.seat_label(1)) == ("red", "yellow")
    assert GAME.describe(0, Play(column=3)) == "red: column 4"
    assert GAME.describe(1, Play(column=0)) == "yellow: column 1"


def test_bot_action_is_a_valid_play_message() -> None:
    """The computer player's message passes the same validation as a human's, for every level."""
    state = play(new(), 3)
    for level in GAME.bot_levels.values():
        message = GAME.bot_action(state, 1, level, random.Random(0))
        assert message["type"] == "play"
        assert wire.convert(message, GAME.actions["play"]) == Play(column=message["column"])


# Validation at the edge (core.transport.wire.convert, no Django involved).


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"type": "play", "column": -1}, r"Invalid 'play' message: Expected `int` >= 0 - at `\$.column`"),
        ({"type": "play", "column": 7}, r"Invalid 'play' message: Expected `int` <= 6 - at `\$.column`"),
        ({"type": "play", "column": "3"}, r"Invalid 'play' message: Expected `int`, got `str` - at `\$.column`"),
        ({"type": "play", "column": 3.5}, r"Invalid 'play' message: Expected `int`, got `float` - at `\$.column`"),
        ({"type": "play"}, r"Invalid 'play' message: Object missing required field `column`"),
        ({"type": "play", "column": 3, "x": 1}, r"Invalid 'play' message: Object contains unknown field `x`"),
    ],
)
def test_play_validation_gives_clear_bad_message(payload: dict[str, object], expected: str) -> None:
    """Out-of-range, wrongly typed, missing and extra fields are refused with a readable reason."""
    with pytest.raises(wire.BadMessage, match=expected):
        wire.convert(payload, GAME.actions["play"])


@pytest.mark.parametrize("column", [0, 3, 6])
def test_play_validation_accepts_every_column_bound(column: int) -> None:
    """0..6 pass validation."""
    assert wire.convert({"type": "play", "column": column}, Play) == Play(column=column)


# Properties over random play.


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.integers(0, COLUMNS - 1), max_size=80), st.data())
def test_random_legal_play_keeps_invariants(columns: list[int], data: st.DataObject) -> None:
    """Legal play alternates, fills columns bottom up, and a winner always has a four of its own."""
    state = new()
    for column in columns:
        if GAME.outcome(state) is not None:
            break
        if len(state.columns[column]) >= ROWS:
            assert_refused(state, state.turn, column, "This slot is full.")
            continue
        if data.draw(st.booleans()):
            assert_refused(state, 1 - state.turn, column, "It isn't your turn.")
        index, seat, row = len(state.moves), state.turn, len(state.columns[column])
        assert seat == index % 2, "red and yellow alternate, red first"
        events = GAME.apply(state, seat, Play(column=column))
        assert events == [Event("played", {"player": PLAYERS[seat], "seat": seat, "column": column, "row": row})]
        assert state.moves[-1] == (seat, column, row) and state.columns[column][row] == seat
        assert all(len(c) <= ROWS for c in state.columns)
        assert sum(len(c) for c in state.columns) == len(state.moves)
        found = fours(state)
        if state.winner is None:
            assert found == set() and state.line is None
        else:
            assert {owner for owner, _ in found} == {state.winner}
            assert_four(state, state.winner)


@settings(max_examples=200, deadline=None, database=None)
@given(st.randoms(use_true_random=False), st.integers(0, COLUMNS - 1), st.integers(0, 1))
def test_outcome_is_stable_once_reached(rng: random.Random, column: int, seat: int) -> None:
    """Play random legal moves to the end; then every action is refused and the outcome never changes."""
    state = new()
    while GAME.outcome(state) is None:
        play(state, rng.choice([c for c in range(COLUMNS) if len(state.columns[c]) < ROWS]))
    outcome = GAME.outcome(state)
    assert outcome is not None
    if outcome.winners:
        assert_four(state, outcome.winners[0])
    else:
        assert len(state.moves) == COLUMNS * ROWS and fours(state) == set()
    for c in range(COLUMNS):
        for s in (0, 1):
            assert_refused(state, s, c, "The game is over.")
    assert_refused(state, seat, column, "The game is over.")
    assert GAME.outcome(state) == outcome
