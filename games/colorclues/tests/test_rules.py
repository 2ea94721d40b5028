"""Color Clues rules as pure functions of the state: rounds, turn order, refusals, scoring, piece colours."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from coloraide import Color

from core.rooms.protocol import Event, Outcome
from core.transport import wire
from games.colorclues import board, rules
from games.colorclues.rules import PIECES, ColorCluesOptions
from games.colorclues.tests.play import (
    GAME,
    H15,
    assert_refused,
    awaited,
    expire,
    fresh_word,
    guess_all,
    new,
    send,
)

# Setup and the course of a game.


@pytest.mark.parametrize(
    ("players", "rounds_each", "rounds"),
    [(3, 0, 6), (4, 0, 8), (6, 0, 12), (7, 0, 7), (10, 0, 10), (3, 1, 3), (5, 3, 15), (10, 3, 30)],
)
def test_number_of_rounds(players: int, rounds_each: int, rounds: int) -> None:
    """Automatic: twice each with 3–6 players, once with 7–10; or as many times as the option says."""
    state = new(players, rounds_each=rounds_each)
    assert GAME.view(state, None)["rounds"] == rounds == len(state.cards)


def test_setup_deals_every_card_in_advance() -> None:
    """Four distinct squares per card, no square twice in a game; the same seed deals the same cards."""
    state = new(10, rounds_each=3)
    squares = [square for card in state.cards for square in card]
    assert all(len(card) == 4 for card in state.cards)
    assert len(set(squares)) == len(squares) == 120 and all(0 <= sq < 480 for sq in squares)
    assert new(10, rounds_each=3).cards == state.cards and new(10, seed=1, rounds_each=3).cards != state.cards


@pytest.mark.parametrize("players", [2, 11])
def test_setup_refuses_other_player_counts(players: int) -> None:
    with pytest.raises(ValueError, match="3 to 10 players"):
        new(players)


@pytest.mark.parametrize(("players", "rounds"), [(3, 6), (7, 7)])
def test_full_game(players: int, rounds: int) -> None:
    """Givers take turns from seat 0; guessers go clockwise from the giver, then back; the reveal adds the scores."""
    state = new(players)
    totals = [0] * players
    for number in range(1, rounds + 1):
        g = (number - 1) % players
        view = GAME.view(state, None)
        assert (view["phase"], view["round"], view["giver"]) == ("cue1", number, g)
        assert GAME.current_seats(state) == {g} and view["pieces"] == [[] for _ in range(players)]
        send(state, g, {"type": "clue", "card": number % 4, "cue": fresh_word(state)})
        clockwise = [(g + i) % players for i in range(1, players)]
        assert GAME.view(state, None)["order"] == clockwise
        assert guess_all(state) == clockwise
        assert state.phase == "cue2" and GAME.current_seats(state) == {g}
        assert GAME.view(state, None)["order"] == clockwise[::-1]
        send(state, g, {"type": "clue", "cue": f"soft {fresh_word(state)}"})
        assert guess_all(state) == clockwise[::-1]
        view = GAME.view(state, None)
        assert view["phase"] == "reveal" and GAME.current_seats(state) == frozenset()
        assert sum(len(pieces) for pieces in view["pieces"]) == 2 * (players - 1)
        assert view["reveal"]["round"] == number and view["target"]["square"] == state.cards[number - 1][number % 4]
        totals = [total + gained for total, gained in zip(totals, view["reveal"]["points"], strict=True)]
        assert view["scores"] == totals
        assert GAME.outcome(state) is None, "the game ends when the last reveal is over"
        expire(state)
    outcome = GAME.outcome(state)
    assert state.phase == "over" and GAME.timer(state) is None and GAME.current_seats(state) == frozenset()
    assert outcome is not None and outcome.scores == dict(enumerate(totals))
    assert set(outcome.winners) == {seat for seat in range(players) if totals[seat] == max(totals)}
    assert_refused(state, 1, {"type": "place", "square": 0}, "The game is over.")
    assert_refused(state, 0, {"type": "piece", "colour": "ivory"}, "The game is over.")


# Refusals.


def test_occupied_square_is_refused() -> None:
    """No two pieces on one square, in the same guess phase or a later one."""
    state = new()
    send(state, 0, {"type": "clue", "card": 0, "cue": "lavender"})
    send(state, 1, {"type": "place", "square": H15})
    assert_refused(state, 2, {"type": "place", "square": H15}, "That square is taken.")
    send(state, 2, {"type": "place", "square": H15 + 1})
    send(state, 0, {"type": "pass"})
    assert_refused(state, 2, {"type": "place", "square": H15 + 1}, "That square is taken.")
    assert_refused(state, 2, {"type": "place", "square": H15}, "That square is taken.")


def test_out_of_turn_and_out_of_phase_actions_are_refused() -> None:
    """Each refusal names the problem and changes nothing."""
    state = new(4, allow_pass=False)
    assert_refused(state, 1, {"type": "clue", "card": 0, "cue": "plum"}, "Only the cue giver gives cues this round.")
    assert_refused(state, 1, {"type": "place", "square": 5}, "It's not time to place a piece.")
    assert_refused(state, 0, {"type": "pass"}, "You can only pass instead of giving the second cue.")
    no_card = "Choose one of the four colours on your card with your first cue."
    assert_refused(state, 0, {"type": "clue", "cue": "plum"}, no_card)
    send(state, 0, {"type": "clue", "card": 1, "cue": "plum"})
    assert_refused(state, 2, {"type": "place", "square": 5}, "It's not your turn to place a piece.")
    assert_refused(state, 0, {"type": "place", "square": 5}, "The cue giver does not place pieces.")
    assert_refused(state, 0, {"type": "clue", "cue": "rust"}, "It's not time for a cue.")
    guess_all(state)
    assert_refused(state, 1, {"type": "pass"}, "Only the cue giver can pass.")
    assert_refused(state, 0, {"type": "pass"}, "Passing is off in this room: give a second cue.")
    assert_refused(
        state, 0, {"type": "clue", "card": 2, "cue": "rust"}, "The target is already chosen: send only the second cue."
    )
    assert_refused(state, 3, {"type": "place", "square": 5}, "It's not time to place a piece.")
    send(state, 0, {"type": "clue", "cue": "rust"})
    assert_refused(state, 1, {"type": "place", "square": 5}, "It's not your turn to place a piece.")
    guess_all(state)
    assert state.phase == "reveal"
    assert_refused(state, 1, {"type": "place", "square": 5}, "It's not time to place a piece.")
    assert_refused(state, 0, {"type": "clue", "cue": "moss"}, "It's not time for a cue.")


def test_cues_are_checked_with_the_checkers_reason() -> None:
    """Colour words, two words as the first cue and a cue given in an earlier round are refused."""
    state = new()
    reddish = '"reddish" is a form of the basic colour name "red", which cues may not use.'
    assert_refused(state, 0, {"type": "clue", "card": 0, "cue": "reddish"}, reddish)
    assert_refused(state, 0, {"type": "clue", "card": 0, "cue": "ocean breeze"}, "Use a single word.")
    send(state, 0, {"type": "clue", "card": 0, "cue": " Lavender "})
    assert state.cues == ["lavender"]
    guess_all(state)
    assert_refused(state, 0, {"type": "clue", "cue": "very fresh mint"}, "Use at most 2 words.")
    send(state, 0, {"type": "clue", "cue": "ocean breeze"})
    guess_all(state)
    expire(state)
    repeated = '"ocean breeze" was already given in this game; choose another cue.'
    assert_refused(state, 1, {"type": "clue", "card": 0, "cue": "OCEAN breeze"}, "Use a single word.")
    send(state, 1, {"type": "clue", "card": 0, "cue": "ocean"})
    guess_all(state)
    assert_refused(state, 1, {"type": "clue", "cue": "Ocean  Breeze"}, repeated)
    assert GAME.view(state, None)["used"] == ["lavender", "ocean breeze", "ocean"]


# Scoring.


def test_points_by_distance() -> None:
    assert [rules.points(d) for d in range(6)] == [3, 2, 1, 0, 0, 0]


@pytest.mark.parametrize("giver_points", [1, 2])
def test_scoring_at_distances_0_1_2_3_and_the_givers_points(giver_points: int) -> None:
    """3, 2, 1 and 0 points for pieces on, next to, two and three squares from the target; the giver scores
    ``giver_points`` for each piece within one square."""
    state = new(giver_points=giver_points)
    state.cards[0] = [board.parse("A1"), H15, board.parse("P30"), board.parse("A30")]
    send(state, 0, {"type": "clue", "card": 1, "cue": "lavender"})
    send(state, 1, {"type": "place", "square": H15})
    send(state, 2, {"type": "place", "square": board.parse("G16")})
    send(state, 0, {"type": "clue", "cue": "soft lilac"})
    send(state, 2, {"type": "place", "square": board.parse("F13")})
    events = send(state, 1, {"type": "place", "square": board.parse("E15")})
    assert [event.type for event in events] == ["placed", "revealed"]
    revealed = events[1]
    assert revealed.to is None
    assert revealed.data["breakdown"] == [
        {"seat": 1, "square": H15, "label": "H15", "distance": 0, "points": 3},
        {"seat": 2, "square": board.parse("G16"), "label": "G16", "distance": 1, "points": 2},
        {"seat": 2, "square": board.parse("F13"), "label": "F13", "distance": 2, "points": 1},
        {"seat": 1, "square": board.parse("E15"), "label": "E15", "distance": 3, "points": 0},
    ]
    assert revealed.data["giver_points"] == 2 * giver_points
    assert revealed.data["points"] == [2 * giver_points, 3, 3]
    assert revealed.data["target"] == rules.square_json(H15) and rules.square_json(H15)["label"] == "H15"
    assert revealed.data["cues"] == ["lavender", "soft lilac"] and revealed.data["passed"] is False
    assert state.scores == [2 * giver_points, 3, 3]
    assert GAME.view(state, None)["reveal"] == dict(revealed.data)


@pytest.mark.parametrize(
    ("scores", "winners", "reason"),
    [
        ([4, 9, 2], (1,), "highest score"),
        ([5, 5, 2], (0, 1), "tied for the highest score"),
        ([3, 3, 3, 3], (0, 1, 2, 3), "tied for the highest score"),
    ],
)
def test_winners_have_the_highest_total_and_ties_are_shared(
    scores: list[int], winners: tuple[int], reason: str
) -> None:
    state = new(len(scores), rounds_each=1)
    state.scores = list(scores)
    while state.phase != "over":
        expire(state)
    assert state.scores == scores, "skipped rounds score nothing"
    assert GAME.outcome(state) == Outcome(winners, reason, scores=dict(enumerate(scores)))


# Piece colours.


def test_piece_palette() -> None:
    """Ten named colours, far apart from each other; seats are labelled with their default colour."""
    names = [name for name, _ in PIECES]
    assert len(PIECES) == 10 and len(set(names)) == 10 and len({hex for _, hex in PIECES}) == 10
    assert tuple(GAME.seat_label(seat) for seat in range(10)) == tuple(names)
    for i, (_, a) in enumerate(PIECES):
        for _, b in PIECES[i + 1 :]:
            assert Color(a).delta_e(b, method="2000") > 15


def test_players_switch_to_free_piece_colours_at_any_time() -> None:
    state = new()
    assert GAME.view(state, None)["colours"] == [{"name": name, "hex": hex} for name, hex in PIECES[:3]]
    assert GAME.view(state, None)["palette"] == [[name, hex] for name, hex in PIECES]
    send(state, 0, {"type": "clue", "card": 0, "cue": "plum"})
    assert send(state, 2, {"type": "piece", "colour": "ivory"}) == [
        Event("colour", {"seat": 2, "colour": "ivory", "hex": dict(PIECES)["ivory"]})
    ]
    assert_refused(state, 1, {"type": "piece", "colour": "ivory"}, "Another player already has the ivory pieces.")
    assert_refused(state, 1, {"type": "piece", "colour": "coral"}, "Another player already has the coral pieces.")
    assert_refused(state, 1, {"type": "piece", "colour": "mauve"}, "There is no piece colour 'mauve'.")
    assert send(state, 1, {"type": "piece", "colour": "teal"}) == [], "keeping one's own colour is no change"
    send(state, 1, {"type": "piece", "colour": "gold"})
    assert [colour["name"] for colour in GAME.view(state, None)["colours"]] == ["coral", "gold", "ivory"]
    assert awaited(state) == 1, "switching colour does not use up a turn"


# Validation at the edge (core.transport.wire.convert, no Django involved).


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"type": "clue", "card": 4, "cue": "plum"}, r"Expected `int` <= 3 - at `\$.card`"),
        ({"type": "clue", "card": 0}, r"Object missing required field `cue`"),
        ({"type": "clue", "cue": "plum", "target": 3}, r"Object contains unknown field `target`"),
        ({"type": "place", "square": 480}, r"Expected `int` <= 479 - at `\$.square`"),
        ({"type": "place", "square": -1}, r"Expected `int` >= 0 - at `\$.square`"),
        ({"type": "place", "square": "C12"}, r"Expected `int`, got `str` - at `\$.square`"),
        ({"type": "pass", "cue": "plum"}, r"Object contains unknown field `cue`"),
        ({"type": "piece"}, r"Object missing required field `colour`"),
    ],
)
def test_bad_messages_are_refused_at_the_edge(payload: dict[str, Any], expected: str) -> None:
    with pytest.raises(wire.BadMessage, match=expected):
        wire.convert(payload, GAME.actions[payload["type"]])


def test_options_defaults_bounds_and_titles() -> None:
    """Every option has a title for the room form and bounds that msgspec enforces."""
    assert ColorCluesOptions() == msgspec.convert({}, ColorCluesOptions)
    defaults = msgspec.structs.asdict(ColorCluesOptions())
    assert defaults == {
        "allow_pass": True,
        "giver_points": 1,
        "cue_seconds": 90,
        "guess_seconds": 45,
        "reveal_seconds": 10,
        "rounds_each": 0,
    }
    schema = msgspec.json.schema(ColorCluesOptions)
    properties = schema["$defs"]["ColorCluesOptions"]["properties"]
    assert set(properties) == set(defaults) and all(prop.get("title") for prop in properties.values())
    for bad in ({"giver_points": 3}, {"cue_seconds": 14}, {"guess_seconds": 601}, {"rounds_each": 4}, {"x": 1}):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, ColorCluesOptions)
