"""Draw Together: everyone draws one picture, each player with secret prompts about a different part of it.

The match runs ``rounds`` timed rounds; in round r every seat sees only its own prompt r. When the last
round's clock runs out the picture is finished and everyone wins (a cooperative game).

Wire protocol (beside the platform's ``room.*`` messages), client → server:

- ``{"type": "draw", "stroke": id, "points": [x0, y0, ...], "color": "#rrggbb", "size": 1..64, "tool": t}``
  starts (a new id) or continues (the same id) one of your strokes; ``t`` is "brush" or "eraser";
- ``{"type": "undo"}`` removes your own latest visible stroke; ``{"type": "clear"}`` removes every stroke;
- ``{"type": "cursor", "x": x, "y": y}`` shows your pointer, (-1, -1) hides it; it is never stored.

Events, inside ``room.state.events``:

- ``draw`` {seat, stroke, points, color, size, tool}: the batch just added, with its stroke's style;
- ``undo`` {seat, stroke}, ``clear`` {seat}, ``cursor`` {seat, x, y};
- ``round`` {round}, then ``prompt`` {round, prompt} sent to each seat alone;
- ``finished`` {all_prompts}: the picture is done and every seat's prompts are public.

Stroke ids are each player's own increasing counter; a continuing batch keeps the stroke's first style.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from core.rooms.protocol import JSON, Event, Game, IllegalAction, Outcome, Timer

WIDTH = 1200
HEIGHT = 800
MAX_POINTS = 200_000  # (x, y) points in the whole visible picture
MAX_BATCH = 512  # numbers in one draw message, so 256 points
MAX_STROKE_ID = 2**31
SEAT_LABELS = tuple(f"Player {n}" for n in range(1, 9))

FALLBACK_THEME = "A sunny day in the park"
FALLBACK_PARTS = (
    ("the sky", ("Draw the sky", "Add the sun", "Add a few clouds", "Add birds flying")),
    ("the ground", ("Draw the grass", "Add a path", "Add some flowers", "Add a few stones")),
    ("a tree", ("Draw a big tree", "Give it leaves", "Add fruit or blossoms", "Add a swing")),
    ("a person", ("Draw a person", "Give them clothes", "Give them something to hold", "Add a hat")),
    ("an animal", ("Draw a dog", "Give it a ball", "Add its shadow", "Add a friend for it")),
    ("a building", ("Draw a small house", "Add windows and a door", "Add a chimney", "Add a fence")),
    ("the water", ("Draw a pond", "Add a duck", "Add some reeds", "Add ripples")),
    ("a picnic", ("Draw a picnic blanket", "Add a basket", "Add something to eat", "Add a cup")),
)


class DrawOptions(msgspec.Struct, forbid_unknown_fields=True):
    """Room options: the round's countdown and how many prompts each player gets."""

    seconds: Annotated[int, msgspec.Meta(ge=10, le=300, title="Seconds per round")] = 30
    rounds: Annotated[int, msgspec.Meta(ge=1, le=4, title="Rounds (prompts per player)")] = 3


Coordinate = Annotated[int, msgspec.Meta(ge=0, le=max(WIDTH, HEIGHT))]


class Draw(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A batch of a stroke's points as flat [x0, y0, x1, y1, ...] canvas coordinates.

    The style (colour, size, tool) comes with a stroke's first batch only: later ones keep it.
    """

    stroke: Annotated[int, msgspec.Meta(ge=0, le=MAX_STROKE_ID)]
    points: Annotated[list[Coordinate], msgspec.Meta(min_length=2, max_length=MAX_BATCH)]
    color: Annotated[str, msgspec.Meta(pattern="^#[0-9a-fA-F]{6}$")] | None = None
    size: Annotated[int, msgspec.Meta(ge=1, le=64)] | None = None
    tool: Literal["brush", "eraser"] = "brush"

    def __post_init__(self) -> None:
        if len(self.points) % 2:
            raise ValueError("points must hold x, y pairs (an even count)")
        if any(x > WIDTH for x in self.points[0::2]) or any(y > HEIGHT for y in self.points[1::2]):
            raise ValueError(f"every point must lie within the {WIDTH}×{HEIGHT} canvas")


class Undo(msgspec.Struct, forbid_unknown_fields=True):
    """Remove your own most recent stroke that is still visible."""


class Clear(msgspec.Struct, forbid_unknown_fields=True):
    """Remove every stroke, for everyone."""


class Cursor(msgspec.Struct, forbid_unknown_fields=True):
    """Where your pointer is on the canvas; (-1, -1) hides it."""

    x: Annotated[int, msgspec.Meta(ge=-1, le=WIDTH)]
    y: Annotated[int, msgspec.Meta(ge=-1, le=HEIGHT)]

    def __post_init__(self) -> None:
        if (self.x < 0 or self.y < 0) and (self.x, self.y) != (-1, -1):
            raise ValueError("a cursor is on the canvas, or at (-1, -1) to hide it")


class Part(msgspec.Struct, forbid_unknown_fields=True):
    """One part of the picture and the prompts of the player who draws it."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    prompts: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]], msgspec.Meta(min_length=1, max_length=16)
    ]

    def __post_init__(self) -> None:
        if not self.name.strip() or not all(prompt.strip() for prompt in self.prompts):
            raise ValueError("a part's name and prompts must not be blank")


class Content(msgspec.Struct, forbid_unknown_fields=True):
    """A match's prepared content: the picture's theme and its parts, from the AI or the deck."""

    theme: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    parts: Annotated[list[Part], msgspec.Meta(min_length=1, max_length=32)]
    source: Literal["openai", "deck"]

    def __post_init__(self) -> None:
        if not self.theme.strip():
            raise ValueError("the theme must not be blank")


@dataclass
class Stroke:
    """One visible stroke: its owner, the owner's id for it, its style, and its flat points."""

    seat: int
    stroke: int
    color: str
    size: int
    tool: str
    points: list[int]

    def as_json(self) -> JSON:
        """The stroke as the view lists it."""
        return {
            "seat": self.seat,
            "stroke": self.stroke,
            "color": self.color,
            "size": self.size,
            "tool": self.tool,
            "points": list(self.points),
        }


@dataclass
class State:
    """The theme, each seat's part and prompts, the round, and the visible strokes in drawing order."""

    seconds: int
    rounds: int
    theme: str
    parts: list[str]
    prompts: list[list[str]]  # per seat, exactly ``rounds`` long
    source: str = "builtin"
    round: int = 0
    finished: bool = False
    strokes: list[Stroke] = field(default_factory=list)
    latest: list[int] = field(default_factory=list)  # per seat: the highest stroke id started, or -1
    open: list[Stroke | None] = field(default_factory=list)  # per seat: that stroke, while it is visible
    points: int = 0  # (x, y) points in ``strokes``


def series(prompts: list[str] | tuple[str, ...], rounds: int) -> list[str]:
    """A part's prompts cut or cycled to exactly ``rounds`` of them."""
    return [prompts[index % len(prompts)] for index in range(rounds)]


def visible_strokes(state: State) -> list[JSON]:
    """The strokes on the canvas in drawing order, as the view and the renderer take them."""
    return [stroke.as_json() for stroke in state.strokes]


def all_prompts(state: State) -> list[JSON]:
    """Every seat's part and prompts (public only once the picture is finished)."""
    return [
        {"seat": seat, "part": part, "prompts": list(prompts)}
        for seat, (part, prompts) in enumerate(zip(state.parts, state.prompts, strict=True))
    ]


def round_events(state: State) -> list[Event]:
    """The public start of the current round, then each seat's prompt for it, sent to that seat alone."""
    events = [Event("round", {"round": state.round})]
    for seat, prompts in enumerate(state.prompts):
        events.append(Event("prompt", {"round": state.round, "prompt": prompts[state.round]}, to=frozenset({seat})))
    return events


class DrawTogether(Game[State]):
    """2–8 players draw one picture together, each following secret prompts about their own part of it."""

    slug = "draw"
    name = "Draw Together"
    description = "Draw one picture together; each player gets secret prompts about a different part of it."
    min_players = 2
    max_players = 8
    Options = DrawOptions
    actions: ClassVar = {"draw": Draw, "undo": Undo, "clear": Clear, "cursor": Cursor}
    seat_labels = SEAT_LABELS
    unlogged = frozenset({"cursor"})
    replayable = False
    resignable = False

    def setup(self, players: int, options: DrawOptions, rng: random.Random) -> State:
        parts = [FALLBACK_PARTS[seat % len(FALLBACK_PARTS)] for seat in range(players)]
        return State(
            seconds=options.seconds,
            rounds=options.rounds,
            theme=FALLBACK_THEME,
            parts=[name for name, _ in parts],
            prompts=[series(prompts, options.rounds) for _, prompts in parts],
            latest=[-1] * players,
            open=[None] * players,
        )

    def provide(self, state: State, content: JSON) -> None:
        """Validate ``content`` as Content and give part i to seat i; ValueError if invalid or too few parts."""
        checked = msgspec.convert(content, Content)  # msgspec.ValidationError is a ValueError
        players = len(state.parts)
        if len(checked.parts) < players:
            raise ValueError(f"the content has {len(checked.parts)} parts for {players} players")
        if state.round or state.finished:
            raise ValueError("content can only be provided before the first round ends")
        state.theme, state.source = checked.theme, checked.source
        state.parts = [part.name for part in checked.parts[:players]]
        state.prompts = [series(part.prompts, state.rounds) for part in checked.parts[:players]]

    def timer(self, state: State) -> Timer | None:
        return None if state.finished else Timer(key=state.round, seconds=state.seconds)

    def expire(self, state: State, key: int) -> list[Event]:
        if state.finished or key != state.round:
            return []
        if state.round + 1 >= state.rounds:
            state.finished = True
            return [Event("finished", {"all_prompts": all_prompts(state)})]
        state.round += 1
        return round_events(state)

    def apply(self, state: State, seat: int, action: Any) -> list[Event]:
        if state.finished:
            raise IllegalAction("The picture is finished.")
        if isinstance(action, Draw):
            return self._draw(state, seat, action)
        if isinstance(action, Undo):
            return self._undo(state, seat)
        if isinstance(action, Clear):
            if not state.strokes:
                raise IllegalAction("The picture is already empty.")
            state.strokes, state.points, state.open = [], 0, [None] * len(state.open)
            return [Event("clear", {"seat": seat})]
        if isinstance(action, Cursor):
            return [Event("cursor", {"seat": seat, "x": action.x, "y": action.y})]
        raise IllegalAction(f"Unknown action {type(action).__name__}.")

    def _draw(self, state: State, seat: int, action: Draw) -> list[Event]:
        """Start a new stroke or continue the seat's open one; every check comes before any change."""
        added = len(action.points) // 2
        if state.points + added > MAX_POINTS:
            raise IllegalAction("The picture is full.")
        current = state.open[seat]
        if action.stroke < state.latest[seat]:
            raise IllegalAction("That stroke has ended; start a new one.")
        if action.stroke == state.latest[seat]:
            if current is None:
                raise IllegalAction("That stroke was undone or cleared; start a new one.")
            current.points.extend(action.points)
            state.points += added
            return [Event("draw", {"seat": seat, "stroke": current.stroke, "points": list(action.points)})]
        if action.color is None or action.size is None:
            raise IllegalAction("A new stroke needs its color and size.")
        current = Stroke(seat, action.stroke, action.color.lower(), action.size, action.tool, list(action.points))
        state.strokes.append(current)
        state.latest[seat], state.open[seat] = action.stroke, current
        state.points += added
        data = {"seat": seat, "stroke": current.stroke, "points": list(action.points)}
        return [Event("draw", data | {"color": current.color, "size": current.size, "tool": current.tool})]

    def _undo(self, state: State, seat: int) -> list[Event]:
        """Remove the seat's own latest visible stroke, never anyone else's."""
        for index in range(len(state.strokes) - 1, -1, -1):
            stroke = state.strokes[index]
            if stroke.seat == seat:
                del state.strokes[index]
                state.points -= len(stroke.points) // 2
                if state.open[seat] is stroke:
                    state.open[seat] = None
                return [Event("undo", {"seat": seat, "stroke": stroke.stroke})]
        raise IllegalAction("You have nothing to undo.")

    def view(self, state: State, seat: int | None) -> JSON:
        own = seat if seat is not None and 0 <= seat < len(state.prompts) else None
        return {
            "width": WIDTH,
            "height": HEIGHT,
            "round": state.round,
            "rounds": state.rounds,
            "theme": state.theme,
            "prompt": None if own is None or state.finished else state.prompts[own][state.round],
            "part": None if own is None else state.parts[own],
            "my_prompts": [] if own is None else list(state.prompts[own][: state.round + 1]),
            "next_stroke": None if own is None else state.latest[own] + 1,
            "strokes": visible_strokes(state),
            "finished": state.finished,
            "all_prompts": all_prompts(state) if state.finished else None,
        }

    def outcome(self, state: State) -> Outcome | None:
        if not state.finished:
            return None
        return Outcome(tuple(range(len(state.parts))), "the picture is finished")

    def current_seats(self, state: State) -> frozenset[int]:
        return frozenset() if state.finished else frozenset(range(len(state.parts)))

    def describe(self, seat: int, action: Any) -> str:
        label = self.seat_label(seat)
        if isinstance(action, Draw):
            return f"{label}: stroke {action.stroke} ({len(action.points) // 2} points)"
        return f"{label}: {type(action).__name__.lower()}"
