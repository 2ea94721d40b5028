"""The Connect Four computer player: pure, legal, never misses a win or a needed block, and beats random play."""

from __future__ import annotations

import copy
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from core.tests.test_purity import impurities
from games.connect4 import bot
from games.connect4.bot import choose
from games.connect4.rules import COLUMNS, ROWS, ConnectFour, Play, State

GAME = ConnectFour()
DEPTHS = (1, GAME.bot_levels["medium"])


def legal(state: State) -> list[int]:
    return [c for c in range(COLUMNS) if len(state.columns[c]) < ROWS]


def winning_columns(state: State, seat: int) -> set[int]:
    """The columns where ``seat`` would complete four right now, found with the rules themselves."""
    found = set()
    for column in legal(state):
        trial = copy.deepcopy(state)
        trial.turn = seat
        GAME.apply(trial, seat, Play(column=column))
        if trial.winner == seat:
            found.add(column)
    return found


def positions(columns: list[int]) -> list[State]:
    """Every unfinished position along a random game that plays ``columns`` (full columns skipped)."""
    state, seen = State(), []
    for column in columns:
        if GAME.outcome(state) is not None:
            break
        seen.append(copy.deepcopy(state))
        if len(state.columns[column]) < ROWS:
            GAME.apply(state, state.turn, Play(column=column))
    if GAME.outcome(state) is None:
        seen.append(state)
    return seen


random_games = st.lists(st.integers(0, COLUMNS - 1), min_size=8, max_size=60)


@settings(max_examples=150, deadline=None, database=None)
@given(random_games, st.randoms(use_true_random=False))
def test_takes_an_immediate_win(columns: list[int], rng: random.Random) -> None:
    """Whenever the side to move can win at once, it does, at every depth."""
    for state in positions(columns):
        wins = winning_columns(state, state.turn)
        if wins:
            for depth in DEPTHS:
                assert choose(state, state.turn, depth, rng) in wins


@settings(max_examples=150, deadline=None, database=None)
@given(random_games, st.randoms(use_true_random=False))
def test_blocks_an_immediate_threat(columns: list[int], rng: random.Random) -> None:
    """With no win of its own and the opponent threatening one, it plays in a threatened column."""
    for state in positions(columns):
        threats = winning_columns(state, 1 - state.turn)
        if threats and not winning_columns(state, state.turn):
            for depth in DEPTHS:
                assert choose(state, state.turn, depth, rng) in threats


@settings(max_examples=100, deadline=None, database=None)
@given(random_games, st.randoms(use_true_random=False), st.sampled_from(sorted(GAME.bot_levels.values())))
def test_never_picks_a_full_column_and_changes_nothing(columns: list[int], rng: random.Random, depth: int) -> None:
    """The choice is always a legal column, and choosing leaves the state untouched."""
    state = positions(columns)[-1]
    before = copy.deepcopy(state)
    assert choose(state, state.turn, depth, rng) in legal(state)
    assert state == before


def test_plays_the_last_free_column() -> None:
    """With one column left, that column is chosen."""
    state = State(columns=[[0, 1] * 3 for _ in range(COLUMNS)])
    state.columns[4] = [1, 0, 1, 0, 1]
    assert choose(state, 0, 4, random.Random(0)) == 4


def test_same_seed_same_choice_and_ties_are_broken_by_the_rng() -> None:
    """Choices replay exactly with the same seed; on a mirror-symmetric board both mirror images get played."""
    state = State()
    for _ in range(ROWS):
        GAME.apply(state, state.turn, Play(column=3))  # the centre column full: symmetric, and 3 is not an option
    picks = [choose(state, state.turn, 4, random.Random(seed)) for seed in range(30)]
    assert picks == [choose(state, state.turn, 4, random.Random(seed)) for seed in range(30)]
    assert {COLUMNS - 1 - column for column in picks} == set(picks) and len(set(picks)) >= 2


def test_bot_module_is_pure() -> None:
    """The bot obeys the same purity rule as the rules: no Django, Channels, asyncio, clock or global random."""
    assert impurities(Path(bot.__file__).read_text()) == []


def play_random_opponent(bot_seat: int, seed: int) -> tuple[int, ...]:
    """One game of the medium bot against uniformly random moves; the winners."""
    rng, state = random.Random(seed), State()
    while (outcome := GAME.outcome(state)) is None:
        if state.turn == bot_seat:
            column = choose(state, bot_seat, GAME.bot_levels["medium"], rng)
        else:
            column = rng.choice(legal(state))
        GAME.apply(state, state.turn, Play(column=column))
    return outcome.winners


def test_medium_beats_a_random_player() -> None:
    """Over 100 seeded games, alternating who starts, the medium bot wins at least 99."""
    wins = sum(play_random_opponent(game % 2, game) == (game % 2,) for game in range(100))
    assert wins >= 99
