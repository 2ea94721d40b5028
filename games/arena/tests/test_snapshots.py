"""The arena's binary snapshots: a reference decoder, fed frame after frame, always holds what the server holds.

The decoder below follows docs/protocol.md ("The arena lane") independently of the encoder, as the page's
lane.js does, so an offset or sign mistake on either side shows up as a world that drifts from the truth.
"""

from __future__ import annotations

import json
import math
import random
import struct
from dataclasses import dataclass, field
from typing import Any

from games.arena.rules import MAX_SPEED, Arena, Facing, Fire, MouseDown, MouseUp, Ship, State
from games.arena.snapshots import AOI_CELL, AROUND, KEY_EVERY, RADIUS, SCALE, SPAN, Encoder, Sight, quantise

GAME = Arena()


@dataclass
class Client:
    """What a lane client knows: ships by cell, bullets by cell, the roster."""

    ships: dict[int, dict[int, list[int]]] = field(default_factory=dict)  # cell -> seat -> [x, y, f, vx, vy, flags]
    bullets: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    roster: dict[int, list[Any]] = field(default_factory=dict)
    tick: int = -1
    keyframes: int = 0

    def apply(self, data: bytes) -> None:
        kind, flags, self.tick, _seat, length = struct.unpack_from("<BBIHI", data)
        assert kind == 1
        at = 12
        if flags & 1:
            self.ships, self.bullets, self.keyframes = {}, {}, self.keyframes + 1
        if length:
            roster = json.loads(data[at : at + length])
            if roster["full"]:
                self.roster = {}
            self.roster.update({int(seat): entry for seat, entry in roster["ships"].items()})
            for seat in roster["gone"]:
                self.roster.pop(seat, None)
        at += length
        while at < len(data):
            cell, block = data[at], data[at + 1]
            at = self._block(data, at + 2, cell, block)

    def _block(self, data: bytes, at: int, cell: int, block: int) -> int:
        if block == 2:
            self.ships.pop(cell, None)
            self.bullets.pop(cell, None)
            return at
        ships = self.ships.setdefault(cell, {})
        if block == 0:
            ships.clear()
        else:
            (gone,) = struct.unpack_from("<H", data, at)
            for seat in struct.unpack_from(f"<{gone}H", data, at + 2):
                del ships[seat]
            at += 2 + 2 * gone
        (count,) = struct.unpack_from("<H", data, at)
        at += 2
        for _ in range(count):
            seat, *rest = struct.unpack_from("<HHHBbbB", data, at)
            ships[seat] = rest
            at += 10
        if block == 1:
            (count,) = struct.unpack_from("<H", data, at)
            at += 2
            for _ in range(count):
                at = self._delta(data, at, ships)
        (count,) = struct.unpack_from("<H", data, at)
        self.bullets[cell] = [struct.unpack_from("<HH", data, at + 2 + 4 * i) for i in range(count)]
        return at + 2 + 4 * count

    @staticmethod
    def _delta(data: bytes, at: int, ships: dict[int, list[int]]) -> int:
        seat, mask = struct.unpack_from("<HB", data, at)
        ship, at = ships[seat], at + 3
        if mask & 1:
            dx, dy = struct.unpack_from("<bb", data, at)
            ship[0], ship[1], at = (ship[0] + dx) % SPAN, (ship[1] + dy) % SPAN, at + 2
        if mask & 2:
            ship[0], ship[1] = struct.unpack_from("<HH", data, at)
            at += 4
        if mask & 4:
            ship[2], at = data[at], at + 1
        if mask & 8:
            ship[3], ship[4] = struct.unpack_from("<bb", data, at)
            at += 2
        if mask & 16:
            ship[5], at = data[at], at + 1
        return at

    def known(self) -> dict[int, list[int]]:
        """Every ship in view, by seat."""
        return {seat: ship for cell in self.ships.values() for seat, ship in cell.items()}


def world(players: int, seed: int = 7) -> State:
    """An arena with ``players`` ships, half of them thrusting, all pointing somewhere."""
    rng = random.Random(seed)
    state = GAME.setup(0, None, rng)
    for seat in range(players):
        GAME.join(state, seat, f"p{seat}")
        GAME.apply(state, seat, Facing(facing=rng.uniform(-math.pi, math.pi)))
        if seat % 2:
            GAME.apply(state, seat, MouseDown())
    return state


def truth(state: State, seat: int | None) -> dict[int, list[int]]:
    """The live ships the viewer of ``seat`` should see, quantised as the server sends them."""
    ship = state.ships.get(seat) if seat is not None else None
    if ship is not None and ship.alive:
        record = quantise(ship)
        centre = record[1] // int(AOI_CELL * SCALE) + record[2] // int(AOI_CELL * SCALE) * 8
    else:
        centre = 4 + 4 * 8
    area = set(AROUND[centre])
    out = {}
    for other in state.ships.values():
        if other.alive:
            record = quantise(other)
            if record[1] // 2000 + record[2] // 2000 * 8 in area:
                out[other.seat] = list(record[1:])
    return out


def play(state: State, ticks: int, rng: random.Random, viewers: dict[int | None, tuple[Sight, Client]]) -> None:
    """Run ``ticks`` with random steering, thrust and fire; every viewer must match the truth after each."""
    encoder = Encoder()
    for _ in range(ticks):
        for seat in rng.sample(sorted(state.ships), k=min(len(state.ships), 10)):
            GAME.apply(state, seat, rng.choice([Facing(facing=rng.uniform(-4, 4)), MouseDown(), MouseUp(), Fire()]))
        events = GAME.tick(state, 0.05)
        snap = encoder.encode(state, [(e.data["by"], e.data["victim"]) for e in events if e.type == "hit"])
        for seat, (sight, client) in viewers.items():
            client.apply(snap.frame(sight, seat))
            assert client.known() == truth(state, seat), f"viewer {seat} drifted at tick {state.tick}"
            assert client.roster == {s.seat: [s.name, s.color, s.score] for s in state.ships.values()}


def test_viewers_hold_the_true_world_through_deltas_moves_and_deaths() -> None:
    """200 ticks of a crowded world: deltas, cell changes, wrap-around, hits and respawns all decode to the truth."""
    state, rng = world(120), random.Random(3)
    viewers: dict[int | None, tuple[Sight, Client]] = {seat: (Sight(phase=seat), Client()) for seat in range(0, 120, 7)}
    viewers[None] = (Sight(), Client())
    play(state, 200, rng, viewers)
    assert any(ship.score for ship in state.ships.values()), "the test should include hits"
    _sight, client = viewers[0]
    assert client.keyframes == 1 + 200 // KEY_EVERY


def test_a_viewer_that_misses_frames_gets_a_keyframe_and_the_whole_roster() -> None:
    """A skipped tick (a lagging client) makes the next frame a keyframe with the full roster."""
    state, encoder = world(30), Encoder()
    sight, client = Sight(phase=1), Client()
    client.apply(encoder.encode(state, []).frame(sight, 0))
    GAME.tick(state, 0.05)
    encoder.encode(state, [])  # this tick's frame is never sent to the viewer
    GAME.tick(state, 0.05)
    frame = encoder.encode(state, []).frame(sight, 0)
    assert frame[1] & 1 and b'"full":true' in frame
    client.apply(frame)
    assert client.known() == truth(state, 0)


def test_frames_are_small_and_cells_are_shared() -> None:
    """A viewer gets only its area: an unchanged empty world costs a 12-byte header; a block is built once a tick."""
    state = world(2000)
    encoder = Encoder()
    sights = [Sight() for _ in range(2000)]
    first = encoder.encode(state, [])
    sizes = [cells(first.frame(sights[seat], seat)) for seat in range(2000)]
    assert max(sizes) < 2000 * 10 * 0.6  # a keyframe holds the area of interest, never the whole world
    GAME.tick(state, 0.05)
    snap = encoder.encode(state, [])
    frames = {seat: snap.frame(sights[seat], seat) for seat in range(2000)}
    deltas = [cells(frame) / sizes[seat] for seat, frame in frames.items() if frame[1] & 1 == 0]
    assert sorted(deltas)[len(deltas) // 2] < 0.7  # a delta is smaller than the keyframe it follows
    assert snap.view(0, False) is snap.view(0, False)
    empty = Arena().setup(0, None, random.Random(1))
    lone = Encoder().encode(empty, [])
    assert len(lone.frame(Sight(), None)) == 12


def cells(frame: bytes) -> int:
    """The bytes of a frame's cell blocks (after its header and roster)."""
    return len(frame) - 12 - struct.unpack_from("<I", frame, 8)[0]


def test_the_area_of_interest_covers_the_camera() -> None:
    """Whatever cell a ship is in, its area reaches RADIUS whole cells on every side (the page shows ±250 units)."""
    assert RADIUS * AOI_CELL >= 250
    assert all(len(area) == (2 * RADIUS + 1) ** 2 for area in AROUND)


def test_any_velocity_the_rules_allow_fits_a_quantised_byte() -> None:
    """quantise does not clamp velocities: the speed cap keeps them within an i8 (a change there must show here)."""
    assert MAX_SPEED * SCALE <= 127
    ship = Ship(seat=0, name="a", color="#fff", x=999.99, y=0.0, facing=-math.pi, dx=-MAX_SPEED, dy=MAX_SPEED)
    record = quantise(ship)
    assert record[3:6] == (128, -round(MAX_SPEED * SCALE), round(MAX_SPEED * SCALE))
    struct.pack("<HHHBbbB", *record)  # the SHIP layout takes it
