"""Draw Together rules as pure functions of the state: strokes, undo, clear, rounds and secret prompts."""

from __future__ import annotations

import copy
import random
from typing import Any

import msgspec
import pytest

from core.rooms.protocol import Event, IllegalAction, Outcome, Timer
from core.transport import wire
from games.draw.rules import (
    HEIGHT,
    MAX_POINTS,
    WIDTH,
    Clear,
    Content,
    Cursor,
    Draw,
    DrawOptions,
    DrawTogether,
    State,
    Stroke,
    Undo,
    visible_strokes,
)

GAME = DrawTogether()
RED = "#ff0000"

CONTENT: dict[str, Any] = {
    "theme": "A pirate ship at sea",
    "parts": [
        {"name": "the ship", "prompts": ["Draw the hull", "Add the mast", "Add a flag", "Add cannons", "Extra"]},
        {"name": "the sea", "prompts": ["Draw the waves"]},
        {"name": "the sky", "prompts": ["Draw a storm cloud", "Add lightning"]},
    ],
    "source": "openai",
}


def new(players: int = 2, seconds: int = 30, rounds: int = 3) -> State:
    return GAME.setup(players, DrawOptions(seconds=seconds, rounds=rounds), random.Random(0))


def stroke(stroke_id: int, *points: int, color: str = RED, size: int = 4, tool: str = "brush") -> Draw:
    return wire.convert(
        {"type": "draw", "stroke": stroke_id, "points": list(points), "color": color, "size": size, "tool": tool}, Draw
    )


def ids(state: State) -> list[tuple[int, int]]:
    return [(s["seat"], s["stroke"]) for s in visible_strokes(state)]


def assert_refused(state: State, seat: int, action: Any, message: str) -> None:
    before = copy.deepcopy(state)
    with pytest.raises(IllegalAction) as refused:
        GAME.apply(state, seat, action)
    assert str(refused.value) == message
    assert state == before


def finish(state: State) -> list[Event]:
    events: list[Event] = []
    while (timer := GAME.timer(state)) is not None:
        events += GAME.expire(state, timer.key)
    return events


# Validation at the edge (core.transport.wire.convert, no Django involved).


def draw_message(**changes: Any) -> dict[str, Any]:
    return {"type": "draw", "stroke": 0, "points": [0, 0, 10, 10], "color": RED, "size": 4, "tool": "brush"} | changes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"points": [WIDTH + 1, 0]}, r"Expected `int` <= 1200 - at `\$.points\[0\]`"),
        ({"points": [0, HEIGHT + 1]}, r"within the 1200×800 canvas"),
        ({"points": [WIDTH, HEIGHT, 5, HEIGHT + 1]}, r"within the 1200×800 canvas"),
        ({"points": [-1, 0]}, r"Expected `int` >= 0 - at `\$.points\[0\]`"),
        ({"points": [1, 2, 3]}, r"even count"),
        ({"points": [1]}, r"Expected `array` of length >= 2 - at `\$.points`"),
        ({"points": []}, r"Expected `array` of length >= 2 - at `\$.points`"),
        ({"points": [1, 1] * 257}, r"Expected `array` of length <= 512 - at `\$.points`"),
        ({"points": [1.5, 2]}, r"Expected `int`, got `float`"),
        ({"color": "red"}, r"Expected `str` matching regex"),
        ({"color": "#ff00001"}, r"Expected `str` matching regex"),
        ({"color": "#ggg000"}, r"Expected `str` matching regex"),
        ({"size": 0}, r"Expected `int` >= 1 - at `\$.size`"),
        ({"size": 65}, r"Expected `int` <= 64 - at `\$.size`"),
        ({"tool": "pen"}, r"Invalid enum value 'pen' - at `\$.tool`"),
        ({"stroke": -1}, r"Expected `int` >= 0 - at `\$.stroke`"),
        ({"stroke": 2**31 + 1}, r"Expected `int` <= 2147483648 - at `\$.stroke`"),
        ({"extra": 1}, r"Object contains unknown field `extra`"),
    ],
)
def test_draw_validation_refuses_bad_strokes(changes: dict[str, Any], expected: str) -> None:
    """Off-canvas points, odd or out-of-bounds lengths, bad colours, sizes and tools never reach apply."""
    with pytest.raises(wire.BadMessage, match=r"Invalid 'draw' message: .*" + expected):
        wire.convert(draw_message(**changes), Draw)


@pytest.mark.parametrize(
    "changes",
    [{"points": [0, 0]}, {"points": [WIDTH, HEIGHT] * 256}, {"size": 1}, {"size": 64}, {"color": "#A0b1C2"}],
)
def test_draw_validation_accepts_the_bounds(changes: dict[str, Any]) -> None:
    """A single point, a full batch in the far corner, the size bounds and mixed-case colours pass."""
    assert isinstance(wire.convert(draw_message(**changes), Draw), Draw)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "cursor", "x": -1, "y": 5},
        {"type": "cursor", "x": 5, "y": -1},
        {"type": "cursor", "x": WIDTH + 1, "y": 0},
        {"type": "cursor", "x": 0, "y": HEIGHT + 1},
        {"type": "cursor", "x": -2, "y": -2},
        {"type": "undo", "seat": 1},
        {"type": "clear", "all": True},
    ],
)
def test_other_actions_validate(message: dict[str, Any]) -> None:
    """A cursor is on the canvas or exactly (-1, -1); undo and clear take no fields."""
    with pytest.raises(wire.BadMessage):
        wire.convert(message, GAME.actions[message["type"]])


def test_options_bounds() -> None:
    """Seconds 10..300 (default 30) and rounds 1..4 (default 3); titles feed the options form."""
    assert msgspec.convert({}, DrawOptions) == DrawOptions(seconds=30, rounds=3)
    for bad in ({"seconds": 9}, {"seconds": 301}, {"rounds": 0}, {"rounds": 5}, {"speed": 1}):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, DrawOptions)
    schema = msgspec.json.schema(DrawOptions)["$defs"]["DrawOptions"]["properties"]
    assert schema["seconds"]["title"] and schema["rounds"]["title"]


# Strokes.


def test_new_stroke_then_continue_it() -> None:
    """The first batch of an id starts a stroke with its style; later batches extend it and keep that style."""
    state = new()
    events = GAME.apply(state, 0, stroke(1, 10, 20, 30, 40, size=8))
    assert events == [
        Event("draw", {"seat": 0, "stroke": 1, "points": [10, 20, 30, 40], "color": RED, "size": 8, "tool": "brush"})
    ]
    events = GAME.apply(state, 0, stroke(1, 50, 60, color="#00FF00", size=2, tool="eraser"))
    assert events == [Event("draw", {"seat": 0, "stroke": 1, "points": [50, 60]})]
    events = GAME.apply(state, 0, wire.convert({"type": "draw", "stroke": 1, "points": [70, 80]}, Draw))
    assert events == [Event("draw", {"seat": 0, "stroke": 1, "points": [70, 80]})]
    assert visible_strokes(state) == [
        {"seat": 0, "stroke": 1, "color": RED, "size": 8, "tool": "brush", "points": [10, 20, 30, 40, 50, 60, 70, 80]}
    ]
    assert state.points == 4


def test_a_new_stroke_needs_its_style() -> None:
    """A stroke's first batch without colour or size is refused and changes nothing."""
    state = new()
    with pytest.raises(IllegalAction, match="needs its color and size"):
        GAME.apply(state, 0, wire.convert({"type": "draw", "stroke": 0, "points": [1, 2]}, Draw))
    assert state.strokes == [] and state.latest[0] == -1


def test_strokes_keep_drawing_order_and_ids_are_per_player() -> None:
    """Two players may use the same id; a continued stroke stays where it started in the order."""
    state = new()
    GAME.apply(state, 0, stroke(0, 1, 1))
    GAME.apply(state, 1, stroke(0, 2, 2))
    GAME.apply(state, 0, stroke(0, 3, 3))
    GAME.apply(state, 0, stroke(1, 4, 4, color="#0000AA"))
    assert ids(state) == [(0, 0), (1, 0), (0, 1)]
    assert visible_strokes(state)[0]["points"] == [1, 1, 3, 3]
    assert visible_strokes(state)[2]["color"] == "#0000aa"


def test_an_ended_stroke_cannot_be_continued() -> None:
    """Once a player starts a newer stroke, older ids are refused."""
    state = new()
    GAME.apply(state, 0, stroke(3, 1, 1))
    GAME.apply(state, 0, stroke(4, 1, 1))
    assert_refused(state, 0, stroke(3, 2, 2), "That stroke has ended; start a new one.")
    assert_refused(state, 0, stroke(0, 2, 2), "That stroke has ended; start a new one.")


def test_the_picture_is_bounded() -> None:
    """Past MAX_POINTS visible points, drawing is refused; undo frees room again."""
    state = new()
    state.strokes = [Stroke(1, 0, RED, 1, "brush", [0, 0] * (MAX_POINTS - 1))]
    state.points, state.latest = MAX_POINTS - 1, [-1, 0]
    GAME.apply(state, 0, stroke(0, 5, 5))
    assert_refused(state, 0, stroke(0, 6, 6), "The picture is full.")
    assert_refused(state, 1, stroke(1, 6, 6), "The picture is full.")
    GAME.apply(state, 0, Undo())
    GAME.apply(state, 1, stroke(1, 6, 6))
    assert state.points == MAX_POINTS


# Undo and clear.


def test_undo_removes_only_the_senders_own_latest_stroke() -> None:
    """A's undo skips B's later stroke and removes A's own latest; B's strokes stay."""
    state = new()
    GAME.apply(state, 0, stroke(0, 1, 1))
    GAME.apply(state, 0, stroke(1, 2, 2))
    GAME.apply(state, 1, stroke(0, 3, 3))
    assert GAME.apply(state, 0, Undo()) == [Event("undo", {"seat": 0, "stroke": 1})]
    assert ids(state) == [(0, 0), (1, 0)]
    assert GAME.apply(state, 0, Undo()) == [Event("undo", {"seat": 0, "stroke": 0})]
    assert ids(state) == [(1, 0)]
    assert_refused(state, 0, Undo(), "You have nothing to undo.")
    assert ids(state) == [(1, 0)] and state.points == 1


def test_an_undone_stroke_cannot_be_continued() -> None:
    """Undoing the stroke still being drawn closes it; its next batch is refused, a new id works."""
    state = new()
    GAME.apply(state, 0, stroke(7, 1, 1))
    GAME.apply(state, 0, Undo())
    assert_refused(state, 0, stroke(7, 2, 2), "That stroke was undone or cleared; start a new one.")
    GAME.apply(state, 0, stroke(8, 2, 2))
    assert ids(state) == [(0, 8)]


def test_clear_removes_everything_and_undo_cannot_bring_it_back() -> None:
    """Clear empties the picture for everyone; afterwards undo only sees strokes drawn since."""
    state = new(3)
    GAME.apply(state, 0, stroke(0, 1, 1))
    GAME.apply(state, 1, stroke(0, 2, 2))
    assert GAME.apply(state, 2, Clear()) == [Event("clear", {"seat": 2})]
    assert visible_strokes(state) == [] and state.points == 0
    assert_refused(state, 0, Undo(), "You have nothing to undo.")
    assert_refused(state, 1, stroke(0, 3, 3), "That stroke was undone or cleared; start a new one.")
    assert_refused(state, 2, Clear(), "The picture is already empty.")
    GAME.apply(state, 0, stroke(1, 4, 4))
    GAME.apply(state, 0, Undo())
    assert_refused(state, 0, Undo(), "You have nothing to undo.")


# The cursor.


def test_cursor_is_an_unlogged_event_that_changes_nothing() -> None:
    """A cursor move (or hide) is broadcast as an event and leaves the state as it was."""
    assert GAME.unlogged == frozenset({"cursor"})
    state = new()
    before = copy.deepcopy(state)
    move = wire.convert({"type": "cursor", "x": WIDTH, "y": 0}, Cursor)
    assert GAME.apply(state, 1, move) == [Event("cursor", {"seat": 1, "x": WIDTH, "y": 0})]
    hide = wire.convert({"type": "cursor", "x": -1, "y": -1}, Cursor)
    assert GAME.apply(state, 0, hide) == [Event("cursor", {"seat": 0, "x": -1, "y": -1})]
    assert state == before


# Rounds.


def test_rounds_advance_on_expiry_and_stale_keys_are_ignored() -> None:
    """The timer's key is the round; an old or future key does nothing; the current one starts the next round."""
    state = new(seconds=45)
    assert GAME.timer(state) == Timer(key=0, seconds=45)
    events = GAME.expire(state, 0)
    assert state.round == 1 and GAME.timer(state) == Timer(key=1, seconds=45)
    assert events[0] == Event("round", {"round": 1})
    assert GAME.expire(state, 0) == [] and GAME.expire(state, 2) == [] and state.round == 1
    GAME.expire(state, 1)
    assert state.round == 2 and GAME.outcome(state) is None
    assert GAME.current_seats(state) == frozenset({0, 1})


def test_the_picture_is_finished_after_the_last_round() -> None:
    """After the last round everyone wins; the clock stops and drawing is refused."""
    state = new(players=3, rounds=2)
    GAME.apply(state, 0, stroke(0, 1, 1))
    GAME.expire(state, 0)
    assert GAME.outcome(state) is None
    events = GAME.expire(state, 1)
    assert [event.type for event in events] == ["finished"]
    assert GAME.outcome(state) == Outcome((0, 1, 2), "the picture is finished")
    assert GAME.timer(state) is None and GAME.expire(state, 1) == [] and GAME.current_seats(state) == frozenset()
    for action in (stroke(0, 2, 2), stroke(1, 2, 2), Undo(), Clear(), Cursor(x=1, y=1)):
        assert_refused(state, 0, action, "The picture is finished.")
    assert GAME.view(state, 0)["finished"] is True and GAME.view(state, 0)["prompt"] is None


def test_a_single_round_game() -> None:
    """With one round, the first expiry finishes the picture."""
    state = new(rounds=1)
    assert GAME.expire(state, 0)[0].type == "finished" and GAME.outcome(state) is not None


# Secret prompts.


def test_prompts_reach_only_their_own_seat_across_a_whole_game() -> None:
    """Before the end no view or event shows a seat another seat's prompt; at the end all are public."""
    players = 3
    state = new(players)
    GAME.provide(state, CONTENT)
    secrets = {seat: set(state.prompts[seat]) for seat in range(players)}

    def leaks(seat: int | None, payload: object) -> set[str]:
        text = msgspec.json.encode(payload).decode()
        others = set().union(*(secrets[s] for s in range(players) if s != seat)) - secrets.get(seat, set())
        return {prompt for prompt in others if f'"{prompt}"' in text}

    events: list[Event] = []
    while not state.finished:
        for seat in (*range(players), None):
            view = GAME.view(state, seat)
            assert not leaks(seat, view), (seat, view)
            if seat is not None:
                assert view["prompt"] == state.prompts[seat][state.round]
                assert view["my_prompts"] == state.prompts[seat][: state.round + 1]
                assert view["all_prompts"] is None
            for event in events:
                if event.visible_to(seat):
                    assert not leaks(seat, event.data), (seat, event)
        events = GAME.expire(state, state.round)
        if not state.finished:
            prompts = [event for event in events if event.type == "prompt"]
            assert sorted(event.to or () for event in prompts) == [frozenset({seat}) for seat in range(players)]
            for event in prompts:
                (seat,) = event.to or ()
                assert event.data == {"round": state.round, "prompt": state.prompts[seat][state.round]}
            assert not any(event.visible_to(None) for event in prompts)
    for seat in (*range(players), None):
        assert GAME.view(state, seat)["all_prompts"] == [
            {"seat": s, "part": state.parts[s], "prompts": state.prompts[s]} for s in range(players)
        ]
    assert events == [Event("finished", {"all_prompts": GAME.view(state, None)["all_prompts"]})]


def test_view_contents() -> None:
    """A player sees the public picture plus only their own part and prompts; a spectator none."""
    state = new(rounds=3)
    GAME.provide(state, CONTENT)
    GAME.apply(state, 1, stroke(2, 5, 6, 7, 8))
    GAME.expire(state, 0)
    view = GAME.view(state, 0)
    assert view == {
        "width": WIDTH,
        "height": HEIGHT,
        "round": 1,
        "rounds": 3,
        "theme": "A pirate ship at sea",
        "prompt": "Add the mast",
        "part": "the ship",
        "my_prompts": ["Draw the hull", "Add the mast"],
        "next_stroke": 0,
        "strokes": [{"seat": 1, "stroke": 2, "color": RED, "size": 4, "tool": "brush", "points": [5, 6, 7, 8]}],
        "finished": False,
        "all_prompts": None,
    }
    spectator = GAME.view(state, None)
    assert spectator["prompt"] is None and spectator["part"] is None and spectator["my_prompts"] == []
    assert spectator["strokes"] == view["strokes"] and spectator["next_stroke"] is None
    assert GAME.view(state, 1)["next_stroke"] == 3, "a reloaded page continues after the seat's last stroke"
    view["strokes"][0]["points"].append(9)
    assert state.strokes[0].points == [5, 6, 7, 8], "the view must be a copy"
    assert msgspec.json.decode(msgspec.json.encode(view)) == view


# Content.


def test_setup_without_content_uses_the_fallback_for_eight_players() -> None:
    """Tests and replays never need content: every seat gets a distinct built-in part and prompts."""
    state = new(players=8, rounds=4)
    assert state.theme and len(set(state.parts)) == 8
    assert all(len(prompts) == 4 and all(prompts) for prompts in state.prompts)
    assert GAME.view(state, 7)["prompt"] == state.prompts[7][0]


def test_provide_assigns_part_i_to_seat_i_and_cuts_or_cycles_prompts() -> None:
    """Five prompts are cut to the rounds, one is repeated, two are cycled; extra parts go unused."""
    state = new(players=3, rounds=3)
    GAME.provide(state, CONTENT)
    assert state.theme == "A pirate ship at sea" and state.source == "openai"
    assert state.parts == ["the ship", "the sea", "the sky"]
    assert state.prompts == [
        ["Draw the hull", "Add the mast", "Add a flag"],
        ["Draw the waves"] * 3,
        ["Draw a storm cloud", "Add lightning", "Draw a storm cloud"],
    ]
    two = new(players=2)
    GAME.provide(two, CONTENT)
    assert two.parts == ["the ship", "the sea"]


def invalid(**changes: Any) -> dict[str, Any]:
    return CONTENT | changes


@pytest.mark.parametrize(
    "content",
    [
        invalid(theme=""),
        invalid(theme="   "),
        invalid(theme="x" * 81),
        invalid(source="gpt"),
        invalid(parts=[]),
        invalid(parts=[{"name": "a", "prompts": []}] * 3),
        invalid(parts=[{"name": "", "prompts": ["p"]}] * 3),
        invalid(parts=[{"name": "x" * 61, "prompts": ["p"]}] * 3),
        invalid(parts=[{"name": "a", "prompts": ["x" * 201]}] * 3),
        invalid(parts=[{"name": "a", "prompts": [""]}] * 3),
        invalid(parts=[{"name": "a", "prompts": [3]}] * 3),
        invalid(extra=1),
        {"theme": "t", "source": "deck"},
        invalid(parts=CONTENT["parts"][:2]),
    ],
)
def test_provide_refuses_bad_content_and_changes_nothing(content: dict[str, Any]) -> None:
    """Malformed content, or fewer parts than players, raise ValueError and leave the state alone."""
    state = new(players=3)
    before = copy.deepcopy(state)
    with pytest.raises(ValueError):
        GAME.provide(state, content)
    assert state == before


def test_content_struct_is_usable_on_its_own() -> None:
    """The provider validates answers with Content directly; bounds are the same."""
    content = msgspec.convert(CONTENT | {"source": "deck"}, Content)
    assert content.parts[1].prompts == ["Draw the waves"]


def test_provide_is_only_for_a_fresh_match() -> None:
    """After the first round has ended, content can no longer change the prompts."""
    state = new()
    GAME.expire(state, 0)
    with pytest.raises(ValueError):
        GAME.provide(state, CONTENT)


# Labels and the move list.


def test_seat_labels_and_describe() -> None:
    """Eight labels; moves are described in short lines."""
    assert len(GAME.seat_labels) == 8 and GAME.seat_label(1) == "Player 2"
    assert GAME.describe(1, stroke(5, *([1, 2] * 12))) == "Player 2: stroke 5 (12 points)"
    assert GAME.describe(0, Undo()) == "Player 1: undo"
    assert GAME.describe(2, Clear()) == "Player 3: clear"


def test_a_random_session_keeps_the_point_count() -> None:
    """Random draws, undos and clears by several players keep ``points`` equal to the visible total."""
    rng = random.Random(1)
    state = new(players=4)
    next_id = [0] * 4
    for _ in range(500):
        seat = rng.randrange(4)
        choice = rng.random()
        try:
            if choice < 0.6:
                if rng.random() < 0.4:
                    next_id[seat] += 1
                GAME.apply(state, seat, stroke(next_id[seat], *[rng.randrange(HEIGHT) for _ in range(6)]))
            elif choice < 0.95:
                GAME.apply(state, seat, Undo())
            else:
                GAME.apply(state, seat, Clear())
        except IllegalAction:
            pass
        assert state.points == sum(len(s["points"]) // 2 for s in visible_strokes(state))
        assert len(set(ids(state))) == len(state.strokes)
