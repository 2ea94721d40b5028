"""What Color Clues players see: the card only for the cue giver, nothing that depends on it before a reveal."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rooms.protocol import Event
from core.transport import wire
from games.colorclues import board
from games.colorclues.rules import Clue, ColorCluesOptions, Pass, Piece, Place
from games.colorclues.tests.play import GAME, awaited, free_square, fresh_word, giver, guess_all, new, send

# What players see.

VIEW_KEYS = {
    "phase", "round", "rounds", "giver", "order", "turn", "cues", "passed", "pieces", "scores", "colours", "palette",
    "used", "allow_pass", "giver_points", "card", "target", "reveal",
}  # fmt: skip


def test_view_contents_and_who_sees_the_card() -> None:
    """Before the reveal only the giver sees the card, then the target; after it, everyone does."""
    state = new(allow_pass=False, giver_points=2)
    for seat in (0, 1, 2, None):
        view = GAME.view(state, seat)
        assert set(view) == VIEW_KEYS
        assert msgspec.json.decode(msgspec.json.encode(view)) == view
    view = GAME.view(state, 0)
    assert [square["square"] for square in view["card"]] == state.cards[0] and view["target"] is None
    assert view["card"][0] == {
        "square": state.cards[0][0],
        "label": board.label(state.cards[0][0]),
        "hex": board.BOARD[state.cards[0][0]],
        "name": board.colour_name(state.cards[0][0]),
    }
    assert (view["allow_pass"], view["giver_points"], view["turn"], view["order"]) == (False, 2, 0, [1, 2])
    events = send(state, 0, {"type": "clue", "card": 2, "cue": "plum"})
    target = state.cards[0][2]
    assert events == [
        Event("clue", {"seat": 0, "cue": "plum", "number": 1}),
        Event("target", {"card": 2, **GAME.view(state, 0)["target"]}, to=frozenset({0})),
    ]
    assert GAME.view(state, 0)["target"]["square"] == target
    for seat in (1, 2, None):
        assert GAME.view(state, seat)["card"] is None and GAME.view(state, seat)["target"] is None
    view = GAME.view(state, 1)
    view["cues"].append("x")
    view["pieces"][1].append(3)
    assert state.cues == ["plum"] and state.placements == [], "the view is a copy"
    guess_all(state)
    send(state, 0, {"type": "clue", "cue": "rust"})
    guess_all(state)
    for seat in (0, 1, 2, None):
        view = GAME.view(state, seat)
        assert view["target"]["square"] == target and [sq["square"] for sq in view["card"]] == state.cards[0]
        assert (view["turn"], view["order"]) == (None, [])


def test_describe_never_reveals_the_card_choice() -> None:
    assert GAME.describe(0, Clue(cue=" Lavender ", card=2)) == "coral: cue 'lavender'"
    assert GAME.describe(0, Clue(cue="ocean breeze")) == "coral: cue 'ocean breeze'"
    assert GAME.describe(1, Place(square=board.parse("C12"))) == "teal: C12"
    assert GAME.describe(0, Pass()) == "coral: pass"
    assert GAME.describe(2, Piece(colour="ivory")) == "gold: piece colour ivory"


# Secrecy: before a reveal, nothing a non-giver or spectator receives depends on the card.


def ints_in(value: Any) -> Iterator[int]:
    """Every integer (not bool) anywhere in a JSON-like value."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from ints_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from ints_in(item)


def leaks(value: Any, squares: list[int]) -> list[str]:
    """Which of ``squares`` appear in ``value`` as an index, a label or a colour."""
    text = msgspec.json.encode(value).decode().lower()
    numbers = set(ints_in(value))
    found = []
    for square in squares:
        if square in numbers:
            found.append(f"index {square}")
        if f'"{board.label(square).lower()}"' in text:
            found.append(f"label {board.label(square)}")
        if board.BOARD[square] in text:
            found.append(f"colour {board.BOARD[square]}")
    return found


def visible(events: list[Event], seat: int | None) -> list[Event]:
    """The events ``seat`` receives, less the reveal itself (which makes the card public)."""
    return [event for event in events if event.visible_to(seat) and event.type != "revealed"]


def play_secret_game(players: int, rng: random.Random, options: ColorCluesOptions) -> None:
    """Play a whole game with random moves and timeouts beside a twin dealt other cards, and check every
    non-giver's and spectator's view and events: no card square appears, and all equal the twin's."""
    state = GAME.setup(players, options, rng)
    rounds = len(state.cards)
    squares = rng.sample(range(100, 480), 8 * rounds)  # above every counter, so an index can only be a square
    state.cards = [squares[i : i + 4] for i in range(0, 4 * rounds, 4)]
    other_cards = [squares[i : i + 4] for i in range(4 * rounds, 8 * rounds, 4)]
    avoid = set(squares)
    rounds_seen = set()
    while GAME.outcome(state) is None:
        g, card, scores = giver(state), state.cards[state.round], list(state.scores)
        rounds_seen.add(state.round)
        twin = copy.deepcopy(state)
        twin.cards[state.round] = other_cards[state.round]
        observers = [seat for seat in range(players) if seat != g] + [None]
        if state.phase != "reveal":
            assert [square["square"] for square in GAME.view(state, g)["card"]] == card
            for seat in observers:
                view = GAME.view(state, seat)
                assert leaks(view, card) == [], (seat, state.phase)
                assert view == GAME.view(twin, seat)
        if state.phase == "reveal" or rng.random() < 0.1:
            timer = GAME.timer(state)
            assert timer is not None and timer == GAME.timer(twin)
            events, twin_events = GAME.expire(state, timer.key), GAME.expire(twin, timer.key)
        else:
            message: dict[str, Any]
            if state.phase == "cue1":
                message = {"type": "clue", "card": rng.randrange(4), "cue": fresh_word(state)}
            elif state.phase == "cue2" and options.allow_pass and rng.random() < 0.3:
                message = {"type": "pass"}
            elif state.phase == "cue2":
                message = {"type": "clue", "cue": rng.choice([fresh_word(state), f"deep {fresh_word(state)}"])}
            else:
                message = {"type": "place", "square": free_square(state, avoid)}
            seat = awaited(state)
            events, twin_events = send(state, seat, message), send(twin, seat, message)
            if message["type"] == "clue":
                line = GAME.describe(seat, wire.convert(message, Clue))
                assert not any(char.isdigit() for char in line), line
        next_giver, next_card = giver(state), state.cards[state.round]  # a new round's card is secret too
        for seat in [*range(players), None]:
            seen = [[event.type, dict(event.data)] for event in visible(events, seat)]
            assert seat == g or (leaks(seen, card) == [] and visible(events, seat) == visible(twin_events, seat))
            assert seat == next_giver or leaks(seen, next_card) == []
        squares_now = [square for _, square in state.placements]
        assert len(set(squares_now)) == len(squares_now)
        assert all(now >= before for now, before in zip(state.scores, scores, strict=True))
    assert rounds_seen == set(range(rounds))


@pytest.mark.parametrize(("players", "seed"), [(3, 0), (4, 1), (7, 2), (10, 3)])
def test_secrecy_over_a_whole_game(players: int, seed: int) -> None:
    play_secret_game(players, random.Random(seed), ColorCluesOptions())


@settings(max_examples=25, deadline=None, database=None)
@given(st.integers(3, 10), st.randoms(use_true_random=False), st.booleans(), st.integers(0, 1))
def test_secrecy_over_random_games(players: int, rng: random.Random, allow_pass: bool, rounds_each: int) -> None:
    play_secret_game(players, rng, ColorCluesOptions(allow_pass=allow_pass, rounds_each=rounds_each))
