"""Color Clues rules as pure functions of the state: rounds, turn order, scoring, clocks and secrecy."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from coloraide import Color
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rooms.protocol import Event, IllegalAction, Outcome, Timer
from core.transport import wire
from games.colorclues import board, rules
from games.colorclues.rules import PIECES, Clue, ColorClues, ColorCluesOptions, Pass, Piece, Place, State

GAME = ColorClues()
WORDS = (
    "lavender seafoam sunset ocean lemon mint sky rust plum coral moss sand cherry forest ice ember rose peach "
    "olive slate honey cocoa denim jade ruby amber lilac salmon tomato banana cream ink smoke storm flame grass "
    "leaf night dawn dusk steel cloud snow coal wine berry lime teal navy mustard"
).split()
H15 = board.parse("H15")

# Helpers.


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


# Clocks.


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
