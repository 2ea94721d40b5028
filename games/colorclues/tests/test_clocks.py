"""Color Clues clocks: a timer per phase, stale keys, and what a timeout does in each phase."""

from __future__ import annotations

import copy

import pytest

from core.rooms.protocol import Event, Timer
from games.colorclues.tests.play import GAME, awaited, expire, free_square, giver, guess_all, new, play_round, send


def test_timer_per_phase_with_a_fresh_key_for_every_turn() -> None:
    """Cue, guess and reveal clocks use their options; each phase and each guesser gets its own key."""
    state = new(4, cue_seconds=20, guess_seconds=11, reveal_seconds=4)
    seen: list[Timer] = []

    def clock(seconds: int) -> None:
        timer = GAME.timer(state)
        assert timer is not None and timer.seconds == seconds
        seen.append(timer)

    clock(20)
    send(state, 0, {"type": "clue", "card": 0, "cue": "plum"})
    for _ in range(3):
        clock(11)
        send(state, awaited(state), {"type": "place", "square": free_square(state)})
    clock(20)
    send(state, 0, {"type": "pass"})
    for _ in range(3):
        clock(11)
        expire(state)
    clock(4)
    keys = [timer.key for timer in seen]
    assert keys == sorted(set(keys)), "every phase or turn change starts a new clock"


def test_stale_keys_are_ignored() -> None:
    """An old clock's key (or one not yet issued) changes nothing."""
    state = new()
    old = GAME.timer(state)
    assert old is not None
    send(state, 0, {"type": "clue", "card": 0, "cue": "plum"})
    before = copy.deepcopy(state)
    assert GAME.expire(state, old.key) == [] and GAME.expire(state, old.key + 5) == []
    assert state == before


def test_missing_first_cue_passes_the_turn() -> None:
    """The round is skipped with no scoring; the next giver's round starts, and the skipped one still counts."""
    state = new()
    events = expire(state)
    assert [event.type for event in events] == ["skipped", "round", "card"]
    assert events[0].data == {"round": 1, "giver": 0} and events[0].to is None
    assert events[1].data == {"round": 2, "giver": 1} and events[2].to == frozenset({1})
    assert [square["square"] for square in events[2].data["card"]] == state.cards[1]
    view = GAME.view(state, None)
    assert (view["phase"], view["round"], view["giver"], view["scores"]) == ("cue1", 2, 1, [0, 0, 0])
    assert view["reveal"] is None
    for _ in range(4):
        play_round(state)
        expire(state)
    assert state.round == 5 and giver(state) == 2, "six rounds in all: the skipped one was seat 0's first"
    play_round(state)
    expire(state)
    assert GAME.outcome(state) is not None


def test_missing_guess_is_skipped() -> None:
    """A guesser whose clock runs out places no piece this time; the next guesser plays."""
    state = new(4)
    send(state, 0, {"type": "clue", "card": 0, "cue": "plum"})
    events = expire(state)
    assert events == [Event("missed", {"seat": 1})]
    assert awaited(state) == 2
    guess_all(state)
    send(state, 0, {"type": "clue", "cue": "rust"})
    assert expire(state) == [Event("missed", {"seat": 3})]
    expire(state)
    events = expire(state)
    assert [event.type for event in events] == ["missed", "revealed"]
    assert [piece["seat"] for piece in events[1].data["breakdown"]] == [2, 3]
    pieces = [[], [], [state.placements[0][1]], [state.placements[1][1]]]
    assert GAME.view(state, None)["pieces"] == pieces == GAME.view(state, None)["reveal"]["pieces"]


@pytest.mark.parametrize("allow_pass", [True, False])
def test_missing_second_cue_counts_as_a_pass(allow_pass: bool) -> None:
    state = new(allow_pass=allow_pass)
    send(state, 0, {"type": "clue", "card": 0, "cue": "plum"})
    guess_all(state)
    assert expire(state) == [Event("passed", {"seat": 0, "timeout": True})]
    view = GAME.view(state, None)
    assert (view["phase"], view["passed"], view["cues"], view["order"]) == ("guess2", True, ["plum"], [2, 1])


def test_reveal_timeout_starts_the_next_round_on_a_clear_board() -> None:
    state = new()
    play_round(state, passing=True)
    first = GAME.view(state, 2)
    assert first["reveal"]["passed"] is True and first["card"] is not None
    events = expire(state)
    assert [event.type for event in events] == ["round", "card"]
    view = GAME.view(state, 2)
    assert (view["phase"], view["round"], view["giver"], view["cues"], view["passed"]) == ("cue1", 2, 1, [], False)
    assert view["pieces"] == [[], [], []] and view["card"] is None and view["target"] is None
    assert view["reveal"] == first["reveal"] and view["scores"] == first["scores"]


def test_last_reveal_timeout_ends_the_game() -> None:
    state = new(3, rounds_each=1)
    for _ in range(3):
        play_round(state)
        assert GAME.outcome(state) is None
        expire(state)
    assert GAME.outcome(state) is not None and GAME.timer(state) is None
    before = copy.deepcopy(state)
    assert GAME.expire(state, state.clock) == [] and state == before
