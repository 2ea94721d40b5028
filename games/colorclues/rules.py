"""Color Clues: an online Hues and Cues. A cue giver hints at a secret colour; the others place pieces near it.

Wire protocol (beside the platform's ``room.*`` messages):

| direction | message | meaning |
|---|---|---|
| client → server | ``{"type": "clue", "card": 0..3, "cue": "word"}`` | first cue; picks the target on the card |
| client → server | ``{"type": "clue", "cue": "up to two words"}`` | second cue (no ``card``) |
| client → server | ``{"type": "pass"}`` | the giver skips the second cue (if ``allow_pass``) |
| client → server | ``{"type": "place", "square": 0..479}`` | a guesser puts a piece on an empty square |
| client → server | ``{"type": "piece", "colour": "teal"}`` | switch to a piece colour no one else uses |
| server → client | events ``round``, ``card``*, ``clue``, ``target``*, ``passed`` | * only to the cue giver |
| server → client | events ``placed``, ``missed``, ``skipped``, ``revealed``, ``colour`` | in ``room.state.events`` |

A round: "cue1" (giver) → "guess1" (the others, clockwise from the giver) → "cue2" (giver) → "guess2"
(counter-clockwise) → "reveal" (scores added, target shown) → the next giver's round. Each phase has a clock
(``timer``/``expire``); the target and the card stay secret from everyone but the giver until the reveal.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

import msgspec

from core.rooms.protocol import JSON, Event, Game, IllegalAction, Outcome, Timer

from . import board
from .cues import CueRefused, check_cue, normalise

PIECES: tuple[tuple[str, str], ...] = (
    ("coral", "#ff6b5b"), ("teal", "#00897b"), ("gold", "#f9c80e"), ("violet", "#7e57c2"), ("lime", "#9ccc3c"),
    ("navy", "#1a237e"), ("magenta", "#d81b8c"), ("sky", "#4fc3f7"), ("charcoal", "#333333"), ("ivory", "#f5f0e1"),
)  # fmt: skip
PIECE_NAMES = tuple(name for name, _ in PIECES)
CARD_SIZE = 4
CUE_PHASES = ("cue1", "cue2")
GUESS_PHASES = ("guess1", "guess2")
POINTS_BY_DISTANCE = (3, 2, 1)  # a piece on the target scores 3, one ring out 2, two rings out 1


class ColorCluesOptions(msgspec.Struct, forbid_unknown_fields=True):
    """Room options: passing, the cue giver's points, the clocks and how many turns each player gives cues."""

    allow_pass: Annotated[bool, msgspec.Meta(title="The cue giver may pass instead of giving a second cue")] = True
    giver_points: Annotated[
        int, msgspec.Meta(ge=1, le=2, title="Cue giver's points per piece within one square of the target (1–2)")
    ] = 1
    cue_seconds: Annotated[int, msgspec.Meta(ge=15, le=600, title="Seconds to give a cue")] = 90
    guess_seconds: Annotated[int, msgspec.Meta(ge=10, le=600, title="Seconds to place a piece")] = 45
    reveal_seconds: Annotated[int, msgspec.Meta(ge=3, le=60, title="Seconds to show the answer")] = 10
    rounds_each: Annotated[
        int, msgspec.Meta(ge=0, le=3, title="Turns as cue giver per player (0: twice with 3–6 players, else once)")
    ] = 0


class Clue(msgspec.Struct, forbid_unknown_fields=True):
    """A cue from the giver; the first also picks the target, one of the card's four colours (0..3)."""

    cue: Annotated[str, msgspec.Meta(max_length=200)]
    card: Annotated[int, msgspec.Meta(ge=0, le=CARD_SIZE - 1)] | None = None


class Pass(msgspec.Struct, forbid_unknown_fields=True):
    """The giver gives no second cue."""


class Place(msgspec.Struct, forbid_unknown_fields=True):
    """Put a piece on an empty square, numbered 0..479 row by row (A1 is 0, P30 is 479)."""

    square: Annotated[int, msgspec.Meta(ge=0, le=board.SQUARES - 1)]


class Piece(msgspec.Struct, forbid_unknown_fields=True):
    """Switch to another piece colour, by name, that no other player uses."""

    colour: Annotated[str, msgspec.Meta(max_length=40)]


@dataclass
class State:
    """Pre-dealt cards (one per round), the round and phase, this round's cues and pieces, scores and clocks."""

    players: int
    options: ColorCluesOptions
    cards: list[list[int]]
    colours: list[int]  # index into PIECES per seat
    scores: list[int]
    round: int = 0
    phase: str = "cue1"
    chosen: int | None = None  # index into this round's card: the target, secret until the reveal
    revealed: bool = False
    cues: list[str] = field(default_factory=list)
    passed: bool = False
    placements: list[tuple[int, int]] = field(default_factory=list)  # (seat, square), in order of play
    order: list[int] = field(default_factory=list)  # guessers of the current or next guessing phase
    turn: int = 0  # index into order
    used: list[str] = field(default_factory=list)
    clock: int = 0  # the running phase clock's key; every phase or turn change makes a new one
    reveal: JSON | None = None  # the last revealed round, public


def rounds_for(players: int, rounds_each: int) -> int:
    """How many rounds a game has: every player gives cues ``rounds_each`` times (0: twice up to 6 players)."""
    each = rounds_each or (2 if players <= 6 else 1)
    return players * each


def points(distance: int) -> int:
    """A guesser's points for a piece ``distance`` rings from the target."""
    return POINTS_BY_DISTANCE[distance] if distance < len(POINTS_BY_DISTANCE) else 0


def giver_of(state: State) -> int:
    """The seat giving cues this round: seats take turns, seat 0 first."""
    return state.round % state.players


def target_of(state: State) -> int | None:
    """This round's target square, once the giver has chosen it."""
    return None if state.chosen is None else state.cards[state.round][state.chosen]


def guess_order(players: int, giver: int, phase: str) -> list[int]:
    """The guessers in playing order: clockwise from the giver's left in guess1, the reverse in guess2."""
    step = 1 if phase == "guess1" else -1
    return [(giver + step * i) % players for i in range(1, players)]


def score_round(state: State, target: int) -> tuple[list[JSON], int]:
    """Each piece's distance and points, in order of play, and the giver's points for pieces within one ring."""
    breakdown: list[JSON] = []
    near = 0
    for seat, square in state.placements:
        d = board.distance(square, target)
        breakdown.append(
            {"seat": seat, "square": square, "label": board.label(square), "distance": d, "points": points(d)}
        )
        if d <= 1:
            near += 1
    return breakdown, near * state.options.giver_points


def square_json(square: int) -> JSON:
    """A square as shown to clients: index, label, colour and plain-English colour name."""
    return {
        "square": square,
        "label": board.label(square),
        "hex": board.BOARD[square],
        "name": board.colour_name(square),
    }


class ColorClues(Game[State]):
    """3 to 10 players take turns giving one- and two-word cues for a secret colour on a 480-colour board."""

    slug = "colorclues"
    name = "Color Clues"
    description = "Hint at a secret colour in a word or two; everyone else tries to put a piece right on it."
    min_players = 3
    max_players = 10
    Options = ColorCluesOptions
    actions: ClassVar = {"clue": Clue, "pass": Pass, "place": Place, "piece": Piece}
    seat_labels = PIECE_NAMES

    def setup(self, players: int, options: ColorCluesOptions, rng: random.Random) -> State:
        if not self.min_players <= players <= self.max_players:
            raise ValueError(f"Color Clues needs {self.min_players} to {self.max_players} players, not {players}.")
        rounds = rounds_for(players, options.rounds_each)
        squares = rng.sample(range(board.SQUARES), CARD_SIZE * rounds)  # no square is dealt twice in a game
        cards = [squares[i : i + CARD_SIZE] for i in range(0, len(squares), CARD_SIZE)]
        state = State(players, options, cards, colours=list(range(players)), scores=[0] * players)
        self._start_round(state)
        return state

    # Phase changes: each one starts a new clock.

    def _enter(self, state: State, phase: str) -> None:
        """Start ``phase`` of this round with a new clock and its guessers' order (a cue phase: the next guessing's)."""
        state.phase, state.turn = phase, 0
        state.order = guess_order(state.players, giver_of(state), "guess1" if phase in ("cue1", "guess1") else "guess2")
        state.clock += 1

    def _start_round(self, state: State) -> list[Event]:
        """Clear the board and cues and await the new giver's first cue; only the giver is sent the card."""
        state.chosen, state.revealed, state.passed, state.cues, state.placements = None, False, False, [], []
        self._enter(state, "cue1")
        giver = giver_of(state)
        card = [square_json(square) for square in state.cards[state.round]]
        return [
            Event("round", {"round": state.round + 1, "giver": giver}),
            Event("card", {"round": state.round + 1, "card": card}, to=frozenset({giver})),
        ]

    def _next_round(self, state: State) -> list[Event]:
        """Start the next giver's round, or end the game after the last one."""
        if state.round + 1 >= len(state.cards):
            state.phase = "over"
            state.clock += 1
            return []
        state.round += 1
        return self._start_round(state)

    def _next_guesser(self, state: State) -> list[Event]:
        """Hand the turn on to the next guesser; after the last, on to cue 2 or the reveal."""
        state.turn += 1
        if state.turn < len(state.order):
            state.clock += 1
            return []
        if state.phase == "guess1":
            self._enter(state, "cue2")
            return []
        return self._reveal(state)

    def _reveal(self, state: State) -> list[Event]:
        """Score the round, add the points and make the target, the card and the breakdown public."""
        target = target_of(state)
        assert target is not None, "a round reaches its reveal only after the first cue chose the target"
        breakdown, giver_total = score_round(state, target)
        giver = giver_of(state)
        totals = [0] * state.players
        for piece in breakdown:
            totals[piece["seat"]] += piece["points"]
        totals[giver] += giver_total
        for seat, gained in enumerate(totals):
            state.scores[seat] += gained
        state.reveal = {
            "round": state.round + 1,
            "giver": giver,
            "target": square_json(target),
            "card": [square_json(sq) for sq in state.cards[state.round]],
            "cues": list(state.cues),
            "passed": state.passed,
            "pieces": self._pieces(state),
            "breakdown": breakdown,
            "giver_points": giver_total,
            "points": totals,
        }
        state.phase, state.revealed = "reveal", True
        state.clock += 1
        return [Event("revealed", copy.deepcopy(state.reveal))]

    # Actions.

    def apply(self, state: State, seat: int, action: Any) -> list[Event]:
        if state.phase == "over":
            raise IllegalAction("The game is over.")
        if isinstance(action, Piece):
            return self._piece(state, seat, action)
        if isinstance(action, Place):
            return self._place(state, seat, action)
        if isinstance(action, Clue):
            return self._clue(state, seat, action)
        if isinstance(action, Pass):
            return self._pass(state, seat)
        raise IllegalAction("Unknown action.")

    def _clue(self, state: State, seat: int, action: Clue) -> list[Event]:
        """A cue from the giver; the first picks the target, which only the giver is told."""
        giver = giver_of(state)
        if seat != giver:
            raise IllegalAction("Only the cue giver gives cues this round.")
        if state.phase not in CUE_PHASES:
            raise IllegalAction("It's not time for a cue.")
        first = state.phase == "cue1"
        if first and action.card is None:
            raise IllegalAction("Choose one of the four colours on your card with your first cue.")
        if not first and action.card is not None:
            raise IllegalAction("The target is already chosen: send only the second cue.")
        try:
            cue = check_cue(action.cue, max_words=1 if first else 2, used=state.used)
        except CueRefused as refused:
            raise IllegalAction(str(refused)) from None
        events = [Event("clue", {"seat": seat, "cue": cue, "number": len(state.cues) + 1})]
        if first:
            state.chosen = action.card
            target = target_of(state)
            assert target is not None
            events.append(Event("target", {"card": action.card, **square_json(target)}, to=frozenset({giver})))
        state.cues.append(cue)
        state.used.append(cue)
        self._enter(state, "guess1" if first else "guess2")
        return events

    def _pass(self, state: State, seat: int) -> list[Event]:
        """The giver skips cue 2 (when the room allows it); the second pieces follow all the same."""
        if seat != giver_of(state):
            raise IllegalAction("Only the cue giver can pass.")
        if state.phase != "cue2":
            raise IllegalAction("You can only pass instead of giving the second cue.")
        if not state.options.allow_pass:
            raise IllegalAction("Passing is off in this room: give a second cue.")
        state.passed = True
        self._enter(state, "guess2")
        return [Event("passed", {"seat": seat})]

    def _place(self, state: State, seat: int, action: Place) -> list[Event]:
        """The awaited guesser puts a piece on an empty square."""
        if state.phase not in GUESS_PHASES:
            raise IllegalAction("It's not time to place a piece.")
        if seat == giver_of(state):
            raise IllegalAction("The cue giver does not place pieces.")
        if seat != state.order[state.turn]:
            raise IllegalAction("It's not your turn to place a piece.")
        if any(square == action.square for _, square in state.placements):
            raise IllegalAction("That square is taken.")
        state.placements.append((seat, action.square))
        placed = Event("placed", {"seat": seat, "square": action.square, "label": board.label(action.square)})
        return [placed, *self._next_guesser(state)]

    def _piece(self, state: State, seat: int, action: Piece) -> list[Event]:
        """Any player, at any time, takes a piece colour no one else has."""
        if action.colour not in PIECE_NAMES:
            raise IllegalAction(f"There is no piece colour {action.colour!r}.")
        wanted = PIECE_NAMES.index(action.colour)
        if wanted == state.colours[seat]:
            return []
        if wanted in state.colours:
            raise IllegalAction(f"Another player already has the {action.colour} pieces.")
        state.colours[seat] = wanted
        return [Event("colour", {"seat": seat, "colour": action.colour, "hex": PIECES[wanted][1]})]

    # Clocks.

    def timer(self, state: State) -> Timer | None:
        options = state.options
        if state.phase in CUE_PHASES:
            return Timer(state.clock, options.cue_seconds)
        if state.phase in GUESS_PHASES:
            return Timer(state.clock, options.guess_seconds)
        if state.phase == "reveal":
            return Timer(state.clock, options.reveal_seconds)
        return None

    def expire(self, state: State, key: int) -> list[Event]:
        if key != state.clock or state.phase == "over":
            return []
        giver = giver_of(state)
        if state.phase == "cue1":
            return [Event("skipped", {"round": state.round + 1, "giver": giver}), *self._next_round(state)]
        if state.phase == "cue2":
            state.passed = True
            self._enter(state, "guess2")
            return [Event("passed", {"seat": giver, "timeout": True})]
        if state.phase in GUESS_PHASES:
            missed = Event("missed", {"seat": state.order[state.turn]})
            return [missed, *self._next_guesser(state)]
        return self._next_round(state)

    # What players see.

    def _pieces(self, state: State) -> list[list[int]]:
        """This round's squares per seat (the giver's list stays empty)."""
        return [[square for owner, square in state.placements if owner == seat] for seat in range(state.players)]

    def view(self, state: State, seat: int | None) -> JSON:
        giver = giver_of(state)
        secret_ok = state.revealed or seat == giver
        target = target_of(state)
        awaited = sorted(self.current_seats(state))
        return {
            "phase": state.phase,
            "round": state.round + 1,
            "rounds": len(state.cards),
            "giver": giver,
            "order": list(state.order) if state.phase in CUE_PHASES + GUESS_PHASES else [],
            "turn": awaited[0] if awaited else None,
            "cues": list(state.cues),
            "passed": state.passed,
            "pieces": self._pieces(state),
            "scores": list(state.scores),
            "colours": [{"name": PIECES[c][0], "hex": PIECES[c][1]} for c in state.colours],
            "palette": [list(piece) for piece in PIECES],
            "used": list(state.used),
            "allow_pass": state.options.allow_pass,
            "giver_points": state.options.giver_points,
            "card": [square_json(sq) for sq in state.cards[state.round]] if secret_ok else None,
            "target": square_json(target) if secret_ok and target is not None else None,
            "reveal": copy.deepcopy(state.reveal) if state.reveal else None,
        }

    def outcome(self, state: State) -> Outcome | None:
        if state.phase != "over":
            return None
        best = max(state.scores)
        winners = tuple(seat for seat, score in enumerate(state.scores) if score == best)
        reason = "highest score" if len(winners) == 1 else "tied for the highest score"
        return Outcome(winners, reason, scores=dict(enumerate(state.scores)))

    def status_line(self, state: State) -> str:
        scores = " · ".join(f"{self.seat_label(seat)} {score}" for seat, score in enumerate(state.scores))
        return f"round {min(state.round + 1, len(state.cards))} of {len(state.cards)}, {state.phase}; {scores}"

    def current_seats(self, state: State) -> frozenset[int]:
        if state.phase in CUE_PHASES:
            return frozenset({giver_of(state)})
        if state.phase in GUESS_PHASES:
            return frozenset({state.order[state.turn]})
        return frozenset()

    def describe(self, seat: int, action: Any) -> str:
        who = self.seat_label(seat)
        if isinstance(action, Clue):
            return f"{who}: cue '{normalise(action.cue)}'"
        if isinstance(action, Pass):
            return f"{who}: pass"
        if isinstance(action, Place):
            return f"{who}: {board.label(action.square)}"
        if isinstance(action, Piece):
            return f"{who}: piece colour {action.colour}"
        return super().describe(seat, action)
