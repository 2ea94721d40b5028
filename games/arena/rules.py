"""Arena: an endless, wrapping 1000×1000 world of thrusting, shooting ships that players drop into and out of.

The physics are the seed's (the Channels multiplayer tutorial): each 50 ms tick a thrusting ship adds
``THRUST`` along ``facing`` to its velocity, the speed is clamped to ``MAX_SPEED`` and the position moves by
the velocity. Parlor adds a wrapping world, bullets, scores and respawns.

Wire protocol (beside the platform's ``room.*`` messages):

| direction | message | meaning |
|---|---|---|
| client → server | ``{"type": "mouseDown"}`` | start thrusting |
| client → server | ``{"type": "mouseUp"}`` | stop thrusting |
| client → server | ``{"type": "facing", "facing": radians}`` | point the ship (0 is +x; +y is down the screen) |
| client → server | ``{"type": "fire"}`` | shoot, if the gun has cooled down (else ignored) |
| server → client | event ``{"type": "joined", "seat": s, "name": n}`` | a ship entered the world |
| server → client | event ``{"type": "left", "seat": s}`` | a ship left the world |
| server → client | event ``{"type": "away", "seat": s}`` | its player's connection is gone; the ship waits |
| server → client | event ``{"type": "back", "seat": s}`` | its player is back in time |
| server → client | event ``{"type": "hit", "by": s, "victim": v}`` | ``s`` shot ``v`` and scored |

Each client message may carry a ``playerId`` field, as the seed's client sends; it is ignored: identity comes
from the seat. Inputs produce no events (they arrive 20 times a second per player).

The view, the same for every seat and spectator, is compact::

    {"tick": n,
     "ships": [[seat, name, color, x, y, facing, dx, dy, thrusting, score, alive], ...],
     "bullets": [[x, y], ...]}

with x, y rounded to 0.1, facing to 0.001 radians and dx, dy to 0.01 (units per tick).

Bullet hits use a spatial hash of live ships, so a bullet looks at the ships of at most 2×2 cells and a tick
stays cheap: 2,000 ships take about 2.5 ms (CPython 3.11, one core; ``benchmarks/arena_tick.py``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec

from core.rooms.protocol import JSON, Event, Game, IllegalAction, Outcome

WORLD = 1000.0
THRUST = 0.2  # added to the velocity along facing per tick while thrusting
MAX_SPEED = 5.0  # units per tick
TICK_HZ = 20.0
BULLET_SPEED = 12.0  # units per tick, on top of the shooter's velocity
BULLET_TTL = 1.5  # seconds
FIRE_COOLDOWN = 0.4  # seconds
SHIP_RADIUS = 15.0
RESPAWN_AFTER = 2.0  # seconds
COLORS = (
    "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#42d4f4",
    "#f032e6", "#bfef45", "#fabed4", "#dcbeff", "#ffd8b1", "#aaffc3",
)  # fmt: skip

GRID = 32  # cells per side of the spatial hash; WORLD / GRID >= 2 * SHIP_RADIUS, so a hit spans at most 2×2 cells
CELL = WORLD / GRID
EPSILON = 1e-9  # timers within this of zero have run out (0.4 - 8 × 0.05 is not exactly 0)


class Thrust(msgspec.Struct):
    """Start or stop thrusting (the seed's ``mouseDown`` and ``mouseUp``); ``playerId`` is ignored."""

    playerId: Any = None


class MouseDown(Thrust):
    """Start thrusting."""


class MouseUp(Thrust):
    """Stop thrusting."""


class Facing(msgspec.Struct):
    """Point the ship ``facing`` radians from +x; ``playerId`` is ignored."""

    facing: float
    playerId: Any = None


class Fire(msgspec.Struct):
    """Shoot along ``facing``; ``playerId`` is ignored."""

    playerId: Any = None


@dataclass
class Ship:
    """One player's ship; velocity is in units per tick, timers in seconds."""

    seat: int
    name: str
    color: str
    x: float
    y: float
    facing: float = 0.0
    dx: float = 0.0
    dy: float = 0.0
    thrusting: bool = False
    score: int = 0
    alive: bool = True
    away: bool = False  # its player's connection is gone; the ship waits for them (see Game.away)
    respawn_in: float = 0.0
    cooldown: float = 0.0


@dataclass
class Bullet:
    """A shot in flight: who fired it, where it is, its velocity per tick and its seconds left."""

    owner: int
    x: float
    y: float
    dx: float
    dy: float
    ttl: float


@dataclass
class State:
    """The world: the rng for spawn points, the ships by seat, the bullets in flight and the tick count."""

    rng: random.Random
    ships: dict[int, Ship]
    bullets: list[Bullet]
    tick: int = 0


def wrap(value: float) -> float:
    """``value`` folded into [0, WORLD); a tiny negative ``value % WORLD`` rounds up to WORLD, hence the check."""
    value %= WORLD
    return 0.0 if value >= WORLD else value


def normalise(angle: float) -> float:
    """A finite ``angle`` as the same direction in (-pi, pi]."""
    angle = math.remainder(angle, math.tau)
    return angle + math.tau if angle <= -math.pi else angle


def spawn(state: State, ship: Ship) -> None:
    """Put ``ship`` alive and at rest at a random point."""
    ship.x, ship.y = wrap(state.rng.uniform(0.0, WORLD)), wrap(state.rng.uniform(0.0, WORLD))
    ship.dx = ship.dy = 0.0
    ship.alive, ship.respawn_in = True, 0.0


def move(ship: Ship, scale: float) -> None:
    """The seed's per-tick physics, scaled by ``scale`` ticks, then the wrap."""
    if ship.thrusting:
        ship.dx += THRUST * math.cos(ship.facing) * scale
        ship.dy += THRUST * math.sin(ship.facing) * scale
        speed = math.sqrt(ship.dx**2 + ship.dy**2)
        if speed > MAX_SPEED:
            ratio = MAX_SPEED / speed
            ship.dx *= ratio
            ship.dy *= ratio
    ship.x = wrap(ship.x + ship.dx * scale)
    ship.y = wrap(ship.y + ship.dy * scale)


def place_in(grid: dict[int, list[Ship]], ship: Ship) -> None:
    """Add ``ship`` to the spatial hash cell its centre is in."""
    key = int(ship.x / CELL) % GRID + int(ship.y / CELL) % GRID * GRID
    cell = grid.get(key)
    if cell is None:
        grid[key] = [ship]
    else:
        cell.append(ship)


def struck(bullet: Bullet, grid: dict[int, list[Ship]]) -> Ship | None:
    """A live ship other than the owner within SHIP_RADIUS of ``bullet`` (across the wrap), if any."""
    x0, y0 = math.floor((bullet.x - SHIP_RADIUS) / CELL), math.floor((bullet.y - SHIP_RADIUS) / CELL)
    x1, y1 = math.floor((bullet.x + SHIP_RADIUS) / CELL), math.floor((bullet.y + SHIP_RADIUS) / CELL)
    half, limit = WORLD / 2, SHIP_RADIUS * SHIP_RADIUS
    for cy in {y0 % GRID, y1 % GRID}:
        for cx in {x0 % GRID, x1 % GRID}:
            for ship in grid.get(cx + cy * GRID, ()):
                if ship.seat == bullet.owner or not ship.alive:
                    continue
                ddx, ddy = abs(ship.x - bullet.x), abs(ship.y - bullet.y)
                if ddx > half:
                    ddx = WORLD - ddx
                if ddy > half:
                    ddy = WORLD - ddy
                if ddx * ddx + ddy * ddy <= limit:
                    return ship
    return None


def ship_row(s: Ship) -> list[Any]:
    """One ship in the view: [seat, name, color, x, y, facing, dx, dy, thrusting, score, alive]."""
    return [
        s.seat, s.name, s.color, round(s.x, 1), round(s.y, 1), round(s.facing, 3),
        round(s.dx, 2), round(s.dy, 2), s.thrusting, s.score, s.alive,
    ]  # fmt: skip


class Arena(Game[State]):
    """Any number of ships thrust, wrap and shoot in one shared, endless world."""

    slug = "arena"
    name = "Arena"
    description = "Thrust and shoot in a wrapping world shared with everyone else; drop in any time."
    min_players = 1
    max_players = 2000
    tick_hz = TICK_HZ
    drop_in = True  # players join and leave a running world
    log_actions = False  # inputs are not stored: the world is ephemeral
    actions: ClassVar = {"mouseDown": MouseDown, "mouseUp": MouseUp, "facing": Facing, "fire": Fire}

    def setup(self, players: int, options: Any, rng: random.Random) -> State:
        return State(rng=rng, ships={}, bullets=[])

    def join(self, state: State, seat: int, name: str) -> list[Event]:
        """Give ``seat`` a ship at a random point (keeping the ship it already has)."""
        if seat not in state.ships:
            ship = Ship(seat=seat, name=name, color=COLORS[seat % len(COLORS)], x=0.0, y=0.0)
            spawn(state, ship)
            state.ships[seat] = ship
        return [Event("joined", {"seat": seat, "name": name})]

    def away(self, state: State, seat: int, gone: bool) -> list[Event]:
        """Mark ``seat``'s ship away while its player reconnects; it stops thrusting and coasts."""
        ship = state.ships.get(seat)
        if ship is None or ship.away == gone:
            return []
        ship.away = gone
        ship.thrusting = ship.thrusting and not gone
        return [Event("away" if gone else "back", {"seat": seat})]

    def leave(self, state: State, seat: int) -> list[Event]:
        """Remove ``seat``'s ship and its bullets."""
        if state.ships.pop(seat, None) is None:
            return []
        state.bullets = [bullet for bullet in state.bullets if bullet.owner != seat]
        return [Event("left", {"seat": seat})]

    def apply(self, state: State, seat: int, action: Thrust | Facing | Fire) -> list[Event]:
        ship = state.ships.get(seat)
        if ship is None:
            raise IllegalAction("You have no ship.")
        if isinstance(action, Facing):  # the most frequent input by far: 10 to 20 a second per player
            if not math.isfinite(action.facing):
                raise IllegalAction("facing must be a finite number of radians.")
            ship.facing = normalise(action.facing)
        elif isinstance(action, MouseDown):
            ship.thrusting = True
        elif isinstance(action, MouseUp):
            ship.thrusting = False
        elif isinstance(action, Fire):
            if ship.alive and ship.cooldown <= EPSILON:
                cos, sin = math.cos(ship.facing), math.sin(ship.facing)
                state.bullets.append(
                    Bullet(
                        owner=seat,
                        x=wrap(ship.x + SHIP_RADIUS * cos),
                        y=wrap(ship.y + SHIP_RADIUS * sin),
                        dx=BULLET_SPEED * cos + ship.dx,
                        dy=BULLET_SPEED * sin + ship.dy,
                        ttl=BULLET_TTL,
                    )
                )
                ship.cooldown = FIRE_COOLDOWN
        else:
            raise IllegalAction(f"Unknown action {type(action).__name__}.")
        return []

    def tick(self, state: State, dt: float) -> list[Event]:
        scale = dt * TICK_HZ  # 1.0 exactly for dt == 0.05, so a tick is bit for bit the seed's
        events: list[Event] = []
        grid: dict[int, list[Ship]] = {}  # the live ships by spatial hash cell, once they have moved
        for ship in state.ships.values():
            if ship.alive:
                move(ship, scale)
                place_in(grid, ship)
            elif ship.respawn_in - dt <= EPSILON:
                spawn(state, ship)
                place_in(grid, ship)
            else:
                ship.respawn_in -= dt
            if ship.cooldown:
                ship.cooldown = max(0.0, ship.cooldown - dt)
        flying: list[Bullet] = []
        for bullet in state.bullets:
            bullet.ttl -= dt
            if bullet.ttl <= EPSILON:
                continue
            bullet.x = wrap(bullet.x + bullet.dx * scale)
            bullet.y = wrap(bullet.y + bullet.dy * scale)
            victim = struck(bullet, grid) if grid else None
            if victim is None:
                flying.append(bullet)
                continue
            victim.alive, victim.respawn_in = False, RESPAWN_AFTER
            victim.dx = victim.dy = 0.0
            shooter = state.ships.get(bullet.owner)
            if shooter is not None:
                shooter.score += 1
            events.append(Event("hit", {"by": bullet.owner, "victim": victim.seat}))
        state.bullets = flying
        state.tick += 1
        return events

    def view(self, state: State, seat: int | None) -> JSON:
        return {
            "tick": state.tick,
            "ships": [ship_row(ship) for ship in state.ships.values()],
            "bullets": [[round(b.x, 1), round(b.y, 1)] for b in state.bullets],
        }

    def outcome(self, state: State) -> Outcome | None:
        return None

    def status_line(self, state: State) -> str:
        best = sorted(state.ships.values(), key=lambda ship: -ship.score)[:3]
        top = ", ".join(f"{ship.name} {ship.score}" for ship in best)
        return f"{len(state.ships)} ships, {len(state.bullets)} bullets" + (f"; top: {top}" if top else "")

    def current_seats(self, state: State) -> frozenset[int]:
        return frozenset()
