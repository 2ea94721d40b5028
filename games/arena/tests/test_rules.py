"""Arena rules as pure functions of the state: the seed's physics, the wrap, bullets, joins and the view."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rooms.protocol import Event, IllegalAction
from core.transport import wire
from games.arena.rules import (
    BULLET_SPEED,
    BULLET_TTL,
    CELL,
    COLORS,
    FIRE_COOLDOWN,
    GRID,
    MAX_SPEED,
    RESPAWN_AFTER,
    SHIP_RADIUS,
    THRUST,
    TICK_HZ,
    WORLD,
    Arena,
    Bullet,
    Facing,
    Fire,
    MouseDown,
    MouseUp,
    Ship,
    State,
    normalise,
    place_in,
    struck,
)

GAME = Arena()
DT = 1 / TICK_HZ
TICKS_TO_RESPAWN = round(RESPAWN_AFTER * TICK_HZ)


def new(seed: int = 0) -> State:
    return GAME.setup(1, GAME.Options(), random.Random(seed))


def place(state: State, seat: int, x: float, y: float, **fields: Any) -> Ship:
    """Join ``seat`` and put its ship at (x, y) with any other ``fields`` set."""
    GAME.join(state, seat, f"p{seat}")
    ship = state.ships[seat]
    ship.x, ship.y = x, y
    for key, value in fields.items():
        setattr(ship, key, value)
    return ship


def run(state: State, ticks: int) -> list[Event]:
    events: list[Event] = []
    for _ in range(ticks):
        events += GAME.tick(state, DT)
    return events


def torus_gap(a: float, b: float) -> float:
    gap = abs(a - b) % WORLD
    return min(gap, WORLD - gap)


# The seed's physics.


def seed_loop(players: dict[int, dict[str, Any]]) -> None:
    """One pass of the seed consumer's ``game_loop``, verbatim but for ``self.``."""
    for player in players.values():
        if player["thrusting"]:
            dx = 0.2 * math.cos(player["facing"])
            dy = 0.2 * math.sin(player["facing"])
            player["dx"] += dx
            player["dy"] += dy

            speed = math.sqrt(player["dx"] ** 2 + player["dy"] ** 2)
            if speed > 5:
                ratio = 5 / speed
                player["dx"] *= ratio
                player["dy"] *= ratio

        player["x"] += player["dx"]
        player["y"] += player["dy"]


def test_seed_physics_tick_for_tick() -> None:
    """Random thrust and facing inputs for 400 ticks: velocities bit for bit, positions equal modulo the wrap."""
    rng = random.Random(2)
    state = new()
    seed: dict[int, dict[str, Any]] = {}
    for seat in range(6):
        place(state, seat, 500.0, 500.0)
        seed[seat] = {"x": 500, "y": 500, "facing": 0, "dx": 0, "dy": 0, "thrusting": False}
    crossed = False
    for _ in range(400):
        for seat in range(6):
            roll = rng.random()
            if roll < 0.1:
                GAME.apply(state, seat, MouseDown())
                seed[seat]["thrusting"] = True
            elif roll < 0.15:
                GAME.apply(state, seat, MouseUp(playerId="x"))
                seed[seat]["thrusting"] = False
            elif roll < 0.3:
                facing = math.atan2(rng.uniform(-1, 1), rng.uniform(-1, 1))  # what the seed's client sends
                GAME.apply(state, seat, Facing(facing=facing))
                seed[seat]["facing"] = facing
        GAME.tick(state, DT)
        seed_loop(seed)
        for seat, player in seed.items():
            ship = state.ships[seat]
            assert (ship.dx, ship.dy) == (player["dx"], player["dy"])
            assert torus_gap(ship.x, player["x"]) < 1e-9 and torus_gap(ship.y, player["y"]) < 1e-9
            crossed |= not (0 <= player["x"] < WORLD and 0 <= player["y"] < WORLD)
    assert crossed, "no ship crossed the wrap"


def test_thrust_adds_0_2_along_facing_and_moves_by_velocity() -> None:
    state = new()
    ship = place(state, 0, 100.0, 100.0)
    GAME.apply(state, 0, Facing(facing=math.pi / 2))
    GAME.apply(state, 0, MouseDown())
    GAME.tick(state, DT)
    assert ship.dx == pytest.approx(0.0, abs=1e-15) and ship.dy == pytest.approx(THRUST)
    assert (ship.x, ship.y) == pytest.approx((100.0, 100.0 + THRUST))
    GAME.apply(state, 0, MouseUp())
    run(state, 10)
    assert ship.dy == pytest.approx(THRUST) and ship.y == pytest.approx(100.0 + 11 * THRUST)


def test_speed_is_clamped_to_max_speed() -> None:
    state = new()
    ship = place(state, 0, 0.0, 0.0, facing=0.7, thrusting=True)
    run(state, 100)
    assert math.hypot(ship.dx, ship.dy) == pytest.approx(MAX_SPEED)
    assert math.atan2(ship.dy, ship.dx) == pytest.approx(0.7)


def test_other_dts_scale_consistently() -> None:
    """Two half ticks of thrust cover about what one whole tick does (exactly, without thrust)."""
    whole, halves = new(), new()
    a = place(whole, 0, 10.0, 10.0, dx=3.0, dy=-2.0)
    b = place(halves, 0, 10.0, 10.0, dx=3.0, dy=-2.0)
    GAME.tick(whole, DT)
    GAME.tick(halves, DT / 2)
    GAME.tick(halves, DT / 2)
    assert (a.x, a.y) == pytest.approx((b.x, b.y))
    a.thrusting = b.thrusting = True
    GAME.tick(whole, DT)
    GAME.tick(halves, DT / 2)
    GAME.tick(halves, DT / 2)
    assert (a.dx, a.dy) == pytest.approx((b.dx, b.dy))
    assert (a.x, a.y) == pytest.approx((b.x, b.y), abs=0.1)


@pytest.mark.parametrize(
    ("start", "velocity", "end"),
    [
        ((998.0, 500.0), (5.0, 0.0), (3.0, 500.0)),  # right edge
        ((2.0, 500.0), (-5.0, 0.0), (997.0, 500.0)),  # left edge
        ((500.0, 998.0), (0.0, 5.0), (500.0, 3.0)),  # bottom edge
        ((500.0, 2.0), (0.0, -5.0), (500.0, 997.0)),  # top edge
        ((999.0, 1.0), (3.0, -3.0), (2.0, 998.0)),  # a corner
    ],
)
def test_the_world_wraps_at_every_edge(
    start: tuple[float, float], velocity: tuple[float, float], end: tuple[float, float]
) -> None:
    state = new()
    ship = place(state, 0, *start, dx=velocity[0], dy=velocity[1])
    GAME.tick(state, DT)
    assert (ship.x, ship.y) == pytest.approx(end)


def test_a_tiny_negative_position_wraps_below_world() -> None:
    """-1e-17 % 1000.0 rounds to 1000.0; the wrap still lands in [0, WORLD)."""
    state = new()
    ship = place(state, 0, 0.0, 0.0, dx=-1e-17, dy=-1e-17)
    GAME.tick(state, DT)
    assert 0.0 <= ship.x < WORLD and 0.0 <= ship.y < WORLD


def test_bullets_wrap_too() -> None:
    state = new()
    state.bullets.append(Bullet(owner=0, x=995.0, y=5.0, dx=12.0, dy=-12.0, ttl=BULLET_TTL))
    GAME.tick(state, DT)
    assert (state.bullets[0].x, state.bullets[0].y) == pytest.approx((7.0, 993.0))


# Joining, leaving, the view.


def test_join_adds_a_ship_and_rejoining_keeps_it() -> None:
    state = new()
    assert GAME.join(state, 13, "ann") == [Event("joined", {"seat": 13, "name": "ann"})]
    ship = state.ships[13]
    assert (ship.seat, ship.name, ship.color, ship.score, ship.alive) == (13, "ann", COLORS[1], 0, True)
    assert 0 <= ship.x < WORLD and 0 <= ship.y < WORLD
    ship.score = 4
    assert GAME.join(state, 13, "ann") == [Event("joined", {"seat": 13, "name": "ann"})]
    assert state.ships[13] is ship and ship.score == 4


def test_spawn_points_come_from_the_state_rng() -> None:
    a, b = new(5), new(5)
    GAME.join(a, 0, "x")
    GAME.join(b, 0, "x")
    assert (a.ships[0].x, a.ships[0].y) == (b.ships[0].x, b.ships[0].y)
    GAME.join(a, 1, "y")
    assert (a.ships[1].x, a.ships[1].y) != (a.ships[0].x, a.ships[0].y)


def test_leave_removes_the_ship_and_its_bullets() -> None:
    state = new()
    place(state, 0, 100.0, 100.0)
    place(state, 1, 600.0, 600.0)
    GAME.apply(state, 0, Fire())
    GAME.apply(state, 1, Fire())
    assert GAME.leave(state, 0) == [Event("left", {"seat": 0})]
    assert list(state.ships) == [1] and [bullet.owner for bullet in state.bullets] == [1]
    assert GAME.leave(state, 0) == [] and GAME.leave(state, 99) == []


def test_an_away_ship_stops_thrusting_and_coasts_until_its_player_is_back() -> None:
    state = new()
    ship = place(state, 0, 100.0, 100.0, dx=2.0)
    ship.thrusting = True
    assert GAME.away(state, 0, True) == [Event("away", {"seat": 0})]
    assert ship.away and not ship.thrusting
    GAME.tick(state, 0.05)
    assert ship.x == pytest.approx(102.0) and ship.dx == pytest.approx(2.0), "it coasts, no thrust"
    assert GAME.away(state, 0, True) == [] and GAME.away(state, 7, True) == []
    assert GAME.away(state, 0, False) == [Event("back", {"seat": 0})] and not ship.away


def test_view_is_compact_and_the_same_for_everyone() -> None:
    state = new()
    place(state, 0, 1.23456, 2.34567, facing=0.123456, dx=0.98765, dy=-0.4321, score=3)
    place(state, 1, 900.0, 900.0)
    GAME.apply(state, 0, Fire())
    GAME.tick(state, DT)
    view = GAME.view(state, None)
    assert all(GAME.view(state, seat) == view for seat in (0, 1, 7))
    assert set(view) == {"tick", "ships", "bullets"} and view["tick"] == 1
    assert view["ships"][0] == [0, "p0", COLORS[0], 2.2, 1.9, 0.123, 0.99, -0.43, False, 3, True]
    assert [row[0] for row in view["ships"]] == [0, 1]
    (bullet,) = view["bullets"]
    assert len(bullet) == 2 and all(isinstance(value, float) for value in bullet)
    assert wire.encode({"type": "room.state", **view})  # plain JSON


def test_an_endless_world_has_no_outcome_and_no_turns() -> None:
    state = new()
    place(state, 0, 1.0, 1.0)
    assert GAME.outcome(state) is None and GAME.current_seats(state) == frozenset()
    assert Arena.drop_in is True and Arena.log_actions is False and Arena.tick_hz == TICK_HZ


# Inputs.


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_facing_must_be_finite(bad: float) -> None:
    state = new()
    ship = place(state, 0, 1.0, 1.0, facing=0.5)
    with pytest.raises(IllegalAction, match="facing must be a finite number of radians."):
        GAME.apply(state, 0, Facing(facing=bad))
    assert ship.facing == 0.5


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (0.0, 0.0),
        (math.pi, math.pi),
        (-math.pi, math.pi),
        (3 * math.pi, math.pi),
        (-1.0, -1.0),
        (2 * math.pi + 1.0, 1.0),
        (-7 * math.pi / 2, math.pi / 2),
    ],
)
def test_facing_is_normalised(given: float, expected: float) -> None:
    state = new()
    ship = place(state, 0, 1.0, 1.0)
    assert GAME.apply(state, 0, Facing(facing=given)) == []
    assert ship.facing == pytest.approx(expected, abs=1e-12)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_facing_normalises_into_range(angle: float) -> None:
    result = normalise(angle)
    assert -math.pi < result <= math.pi
    if abs(angle) < 1e6:
        assert math.cos(result) == pytest.approx(math.cos(angle), abs=1e-9)
        assert math.sin(result) == pytest.approx(math.sin(angle), abs=1e-9)


@pytest.mark.parametrize("action", [MouseDown(), MouseUp(), Facing(facing=1.0), Fire()])
def test_a_seat_without_a_ship_is_refused(action: Any) -> None:
    state = new()
    place(state, 0, 1.0, 1.0)
    with pytest.raises(IllegalAction, match="You have no ship."):
        GAME.apply(state, 1, action)


def test_fire_spawns_a_bullet_from_the_nose_then_cools_down() -> None:
    state = new()
    ship = place(state, 0, 500.0, 500.0, facing=math.pi / 2, dx=1.0, dy=2.0)
    assert GAME.apply(state, 0, Fire()) == []
    (bullet,) = state.bullets
    assert (bullet.owner, bullet.ttl) == (0, BULLET_TTL)
    assert (bullet.x, bullet.y) == pytest.approx((500.0, 500.0 + SHIP_RADIUS))
    assert (bullet.dx, bullet.dy) == pytest.approx((1.0, 2.0 + BULLET_SPEED))
    assert ship.cooldown == FIRE_COOLDOWN
    assert GAME.apply(state, 0, Fire()) == [] and len(state.bullets) == 1  # cooling down: ignored
    cooldown_ticks = round(FIRE_COOLDOWN * TICK_HZ)
    run(state, cooldown_ticks - 1)
    GAME.apply(state, 0, Fire())
    assert len(state.bullets) == 1
    run(state, 1)
    GAME.apply(state, 0, Fire())
    assert len(state.bullets) == 2


def test_bullets_expire_after_their_ttl() -> None:
    state = new()
    place(state, 0, 500.0, 500.0)
    GAME.apply(state, 0, Fire())
    run(state, round(BULLET_TTL * TICK_HZ) - 1)
    assert len(state.bullets) == 1
    run(state, 1)
    assert state.bullets == []


def test_a_dead_ship_cannot_fire() -> None:
    state = new()
    place(state, 0, 500.0, 500.0, alive=False, respawn_in=RESPAWN_AFTER)
    assert GAME.apply(state, 0, Fire()) == [] and state.bullets == []


# Hits.


def test_a_bullet_kills_scores_and_the_victim_respawns() -> None:
    state = new()
    shooter = place(state, 0, 100.0, 500.0, facing=0.0)
    victim = place(state, 1, 100.0 + SHIP_RADIUS + BULLET_SPEED + 5.0, 500.0, dx=1.0, dy=1.0, thrusting=True)
    victim.facing = math.pi
    GAME.apply(state, 0, Fire())
    events = GAME.tick(state, DT)
    assert events == [Event("hit", {"by": 0, "victim": 1})]
    assert shooter.score == 1 and victim.score == 0
    assert (victim.alive, victim.respawn_in, victim.dx, victim.dy) == (False, RESPAWN_AFTER, 0.0, 0.0)
    assert state.bullets == []
    where = (victim.x, victim.y)
    run(state, TICKS_TO_RESPAWN - 1)
    assert not victim.alive and (victim.x, victim.y) == where  # the dead drift nowhere
    assert GAME.apply(state, 1, Fire()) == [] and state.bullets == []
    run(state, 1)
    assert victim.alive and (victim.dx, victim.dy) == (0.0, 0.0)
    assert (victim.x, victim.y) != where and 0 <= victim.x < WORLD and 0 <= victim.y < WORLD


def test_bullets_pass_through_the_dead() -> None:
    state = new()
    place(state, 1, 500.0, 500.0, alive=False, respawn_in=RESPAWN_AFTER)
    state.bullets.append(Bullet(owner=0, x=490.0, y=500.0, dx=10.0, dy=0.0, ttl=BULLET_TTL))
    assert GAME.tick(state, DT) == [] and len(state.bullets) == 1


def test_hits_reach_across_the_wrap() -> None:
    state = new()
    place(state, 0, 500.0, 500.0)
    place(state, 1, 995.0, 3.0)
    state.bullets.append(Bullet(owner=0, x=0.0, y=990.0, dx=1.0, dy=1.0, ttl=BULLET_TTL))
    assert GAME.tick(state, DT) == [Event("hit", {"by": 0, "victim": 1})]


def test_own_bullets_never_hit_their_owner() -> None:
    state = new()
    ship = place(state, 0, 500.0, 500.0, facing=0.0, dx=MAX_SPEED)
    for _ in range(200):
        GAME.apply(state, 0, Fire())
        state.bullets.append(Bullet(owner=0, x=ship.x, y=ship.y, dx=ship.dx, dy=ship.dy, ttl=BULLET_TTL))
        assert GAME.tick(state, DT) == []
    assert ship.alive and ship.score == 0 and state.bullets


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(0, 2**32), st.integers(1, 300))
def test_the_spatial_hash_finds_exactly_what_brute_force_finds(seed: int, ships: int) -> None:
    rng = random.Random(seed)
    state = new()
    for seat in range(ships):
        place(state, seat, rng.uniform(0, WORLD), rng.uniform(0, WORLD), alive=rng.random() < 0.9)
    grid: dict[int, list[Any]] = {}
    for ship in state.ships.values():
        if ship.alive:
            place_in(grid, ship)
    for _ in range(50):
        bullet = Bullet(rng.randrange(ships), rng.uniform(0, WORLD), rng.uniform(0, WORLD), 0.0, 0.0, 1.0)
        near = [
            ship
            for ship in state.ships.values()
            if ship.alive
            and ship.seat != bullet.owner
            and math.hypot(torus_gap(ship.x, bullet.x), torus_gap(ship.y, bullet.y)) <= SHIP_RADIUS
        ]
        found = struck(bullet, grid)
        assert (found is None) == (not near)
        assert found is None or found in near


# Properties.

seats = st.integers(0, 5)
inputs = st.one_of(
    st.tuples(st.just("join"), seats),
    st.tuples(st.just("leave"), seats),
    st.tuples(st.just("down"), seats),
    st.tuples(st.just("up"), seats),
    st.tuples(st.just("facing"), seats, st.floats(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just("fire"), seats),
    st.tuples(st.just("tick"), st.floats(0.0, 1.0)),
    st.tuples(st.just("ticks"), st.integers(1, 60)),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.integers(0, 2**32), st.lists(inputs, max_size=80))
def test_ships_stay_in_the_world_and_under_max_speed(seed: int, steps: list[tuple[Any, ...]]) -> None:
    state = new(seed)
    for step in steps:
        kind, arg = step[0], step[1]
        try:
            if kind == "join":
                GAME.join(state, arg, "n")
            elif kind == "leave":
                GAME.leave(state, arg)
            elif kind == "down":
                GAME.apply(state, arg, MouseDown())
            elif kind == "up":
                GAME.apply(state, arg, MouseUp())
            elif kind == "facing":
                GAME.apply(state, arg, Facing(facing=step[2]))
            elif kind == "fire":
                GAME.apply(state, arg, Fire())
            elif kind == "tick":
                GAME.tick(state, arg)
            else:
                for _ in range(arg):
                    GAME.tick(state, DT)
        except IllegalAction:
            assert arg not in state.ships
        for ship in state.ships.values():
            assert 0.0 <= ship.x < WORLD and 0.0 <= ship.y < WORLD
            assert math.hypot(ship.dx, ship.dy) <= MAX_SPEED + 1e-9
            assert -math.pi < ship.facing <= math.pi
        for bullet in state.bullets:
            assert 0.0 <= bullet.x < WORLD and 0.0 <= bullet.y < WORLD and bullet.owner in state.ships


# The wire.


@pytest.mark.parametrize(
    "message",
    [
        {"type": "mouseDown", "playerId": "5b48126a-0000-4000-8000-000000000000"},
        {"type": "mouseUp", "playerId": "abc"},
        {"type": "facing", "playerId": "abc", "facing": 1.0},
        {"type": "facing", "playerId": "abc", "facing": -3},
        {"type": "facing", "facing": 0.25},
        {"type": "fire"},
        {"type": "fire", "playerId": 7, "extra": [1, 2]},
    ],
)
def test_the_seeds_client_messages_validate(message: dict[str, Any]) -> None:
    action = wire.convert(message, Arena.actions[message["type"]])
    assert type(action) is Arena.actions[message["type"]]
    state = new()
    place(state, 0, 1.0, 1.0)
    assert GAME.apply(state, 0, action) == []


@pytest.mark.parametrize("message", [{"type": "facing"}, {"type": "facing", "facing": "north"}])
def test_bad_facing_messages_are_refused_at_the_edge(message: dict[str, Any]) -> None:
    with pytest.raises(wire.BadMessage):
        wire.convert(message, Facing)


# Cost.


def test_a_bullet_looks_only_at_the_ships_of_the_cells_around_it() -> None:
    """What keeps a big world's tick cheap (benchmarks/arena_tick.py times it): a bullet reads at most 2×2 cells
    of the spatial hash, the ones its hit circle overlaps, whatever the number of ships."""
    rng = random.Random(1)
    state = new()
    for seat in range(2000):
        place(state, seat, rng.uniform(0, WORLD), rng.uniform(0, WORLD))
    read: list[int] = []

    class Grid(dict[int, list[Any]]):
        def get(self, key: int, default: Any = None) -> Any:
            read.append(key)
            return super().get(key, default)

    grid = Grid()
    for ship in state.ships.values():
        place_in(grid, ship)
    for _ in range(200):
        read.clear()
        bullet = Bullet(0, rng.uniform(0, WORLD), rng.uniform(0, WORLD), 0.0, 0.0, 1.0)
        struck(bullet, grid)
        assert 1 <= len(set(read)) <= 4
        for key in read:
            cx, cy = key % GRID, key // GRID
            assert torus_gap((cx + 0.5) * CELL, bullet.x) <= CELL / 2 + SHIP_RADIUS
            assert torus_gap((cy + 0.5) * CELL, bullet.y) <= CELL / 2 + SHIP_RADIUS
