"""The arena's own snapshots: quantised binary cells, deltas against the previous tick, and areas of interest.

Each tick the world is cut into ``AOI_GRID`` × ``AOI_GRID`` cells. A cell is encoded at most once as a KEY
block (its whole content) and once as a DELTA block (against the same cell one tick earlier), and only if
some viewer needs it. A viewer's frame is a header plus the blocks of the 5×5 cells around its ship, joined
from those shared bytes, so nothing is encoded per viewer. Wire format: docs/protocol.md, "The arena lane".
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Any

import msgspec

from .rules import WORLD, Ship, State

SCALE = 16  # quantisation steps per world unit
SPAN = int(WORLD * SCALE)  # quantised world width: positions are 0..SPAN-1
HALF = SPAN // 2
AOI_GRID = 8  # cells per side
AOI_CELL = WORLD / AOI_GRID  # world units per cell
CELL_Q = SPAN // AOI_GRID  # quantised units per cell
RADIUS = 2  # a viewer sees the cells within RADIUS of its own: at least ±RADIUS × AOI_CELL around its ship
KEY_EVERY = 40  # ticks between a viewer's periodic keyframes
NO_SEAT = 0xFFFF
SNAPSHOT = 1  # first byte of a snapshot message
KEY, DELTA, DROP = 0, 1, 2  # block kinds
MOVED, JUMPED, TURNED, ACCELERATED, FLAGGED = 1, 2, 4, 8, 16  # DELTA_SHIP mask bits
THRUSTING, AWAY = 1, 2  # SHIP flags bits

HEADER = struct.Struct("<BBIHI")  # kind, flags (bit0 keyframe), tick, your seat, roster length
SHIP = struct.Struct("<HHHBbbB")  # seat, x, y, facing, vx, vy, flags
BULLET = struct.Struct("<HH")
COUNT = struct.Struct("<H")
_header, _ship = HEADER.pack, SHIP.pack
_TURNS = 256 / math.tau  # facing steps per radian
Record = tuple[int, int, int, int, int, int, int]  # a ship quantised, in SHIP's field order
_json = msgspec.json.Encoder()


def quantise(ship: Ship) -> Record:
    """A live ship as integers: position × SCALE, facing in 1/256 turns, velocity × SCALE.

    The rules cap the speed at MAX_SPEED units per tick, so a velocity always fits an i8 (checked in the tests)."""
    return (
        ship.seat, int(ship.x * SCALE) % SPAN, int(ship.y * SCALE) % SPAN, round(ship.facing * _TURNS) & 255,
        round(ship.dx * SCALE), round(ship.dy * SCALE), THRUSTING * ship.thrusting | AWAY * ship.away,
    )  # fmt: skip


def cell_of(x: int, y: int) -> int:
    """The AOI cell of a quantised position."""
    return x // CELL_Q + y // CELL_Q * AOI_GRID


def _around(cell: int) -> tuple[int, ...]:
    cx, cy = cell % AOI_GRID, cell // AOI_GRID
    span = range(-RADIUS, RADIUS + 1)
    return tuple(sorted({(cx + dx) % AOI_GRID + (cy + dy) % AOI_GRID * AOI_GRID for dy in span for dx in span}))


AROUND = [_around(cell) for cell in range(AOI_GRID * AOI_GRID)]  # each cell's area of interest, computed once
AREAS = [frozenset(cells) for cells in AROUND]
CENTRE = cell_of(HALF, HALF)  # where a viewer without a live ship looks
DROPS = [bytes((cell, DROP)) for cell in range(AOI_GRID * AOI_GRID)]


def _delta_format(mask: int) -> struct.Struct:
    """The DELTA_SHIP layout for one mask."""
    parts = ["<HB", "bb" if mask & MOVED else "", "HH" if mask & JUMPED else ""]
    parts += ["B" if mask & TURNED else "", "bb" if mask & ACCELERATED else "", "B" if mask & FLAGGED else ""]
    return struct.Struct("".join(parts))


_DELTA_PACK = [_delta_format(mask).pack for mask in range(FLAGGED * 2)]  # by mask, built once


def delta_ship(old: Record, new: Record) -> bytes:
    """What changed in one ship since the last tick (``old != new``), in the fewest bytes."""
    seat, x, y, facing, vx, vy, flags = new
    _, was_x, was_y, was_facing, was_vx, was_vy, was_flags = old
    mask, values = 0, [seat, 0]
    if x != was_x or y != was_y:
        dx, dy = (x - was_x + HALF) % SPAN - HALF, (y - was_y + HALF) % SPAN - HALF
        if -128 <= dx <= 127 and -128 <= dy <= 127:
            mask = MOVED
            values += (dx, dy)
        else:
            mask = JUMPED
            values += (x, y)
    if facing != was_facing:
        mask |= TURNED
        values.append(facing)
    if vx != was_vx or vy != was_vy:
        mask |= ACCELERATED
        values += (vx, vy)
    if flags != was_flags:
        mask |= FLAGGED
        values.append(flags)
    values[1] = mask
    return _DELTA_PACK[mask](*values)


@dataclass
class Sight:
    """What one viewer was last sent: a delta needs the viewer to hold the previous tick's cells."""

    phase: int = 0  # the tick (mod KEY_EVERY) of this viewer's periodic keyframes, spread across viewers
    tick: int = -1
    centre: int = -1  # the cell its area was around


class Snapshot:
    """One tick's world for every viewer: cells quantised once, their blocks encoded on first use."""

    def __init__(self, tick: int, cells: list[dict[int, Record]], previous: Snapshot | None) -> None:
        self.tick = tick
        self.cells = cells
        self.previous = previous.cells if previous is not None else [{} for _ in cells]
        self.shot_before = previous.shot if previous is not None else [False] * len(cells)
        self.ship_cells: dict[int, int] = {}
        self.bullets: list[bytes] = []
        self.shot: list[bool] = []  # whether each cell has bullets
        self.roster_delta = b""
        self.roster: dict[int, list[Any]] = {}
        self._full_roster: bytes | None = None
        self._keys: list[bytes | None] = [None] * len(cells)
        self._deltas: list[bytes | None] = [None] * len(cells)
        self._views: dict[tuple[int, bool], bytes] = {}  # (centre, keyframe) -> the blocks of its whole area
        self._tails: dict[int, tuple[bytes, int]] = {}  # centre << 2 | keyframe << 1 | fresh -> (tail, roster length)

    def key(self, cell: int) -> bytes:
        """The KEY block of ``cell``: its ships and bullets (nothing for an empty cell)."""
        block = self._keys[cell]
        if block is None:
            ships = self.cells[cell]
            if not ships and not self.shot[cell]:
                block = b""
            else:
                body = b"".join(SHIP.pack(*record) for record in ships.values())
                block = bytes((cell, KEY)) + COUNT.pack(len(ships)) + body + self.bullets[cell]
            self._keys[cell] = block
        return block

    def delta(self, cell: int) -> bytes:
        """The DELTA block of ``cell`` against the previous tick: who left, who arrived, what changed (or nothing)."""
        block = self._deltas[cell]
        if block is None:
            now, before = self.cells[cell], self.previous[cell]
            new, changed, was = [], [], before.get
            for seat, record in now.items():
                old = was(seat)
                if old is None:
                    new.append(_ship(*record))
                elif old != record:
                    changed.append(delta_ship(old, record))
            stayed = len(now) - len(new)  # all of ``before`` is still here unless fewer stayed
            gone = [seat for seat in before if seat not in now] if stayed < len(before) else []
            if not (gone or new or changed or self.shot[cell] or self.shot_before[cell]):
                self._deltas[cell] = b""
                return b""
            block = self._deltas[cell] = b"".join(
                [
                    bytes((cell, DELTA)),
                    COUNT.pack(len(gone)),
                    struct.pack(f"<{len(gone)}H", *gone),
                    COUNT.pack(len(new)),
                    *new,
                    COUNT.pack(len(changed)),
                    *changed,
                    self.bullets[cell],
                ]
            )
        return block

    def full_roster(self) -> bytes:
        """Everyone's name, colour and score, for a viewer that missed a roster change."""
        if self._full_roster is None:
            self._full_roster = _json.encode({"full": True, "ships": self.roster, "gone": [], "hits": []})
        return self._full_roster

    def view(self, centre: int, keyframe: bool) -> bytes:
        """The blocks of every cell around ``centre``, joined once per tick for all viewers there."""
        body = self._views.get((centre, keyframe))
        if body is None:
            blocks = self.key if keyframe else self.delta
            body = self._views[centre, keyframe] = b"".join([blocks(cell) for cell in AROUND[centre]])
        return body

    def _tail(self, key: int) -> tuple[bytes, int]:
        """What follows the header for viewers that stay around one centre: the roster, then the blocks."""
        centre, keyframe, fresh = key >> 2, bool(key & 2), bool(key & 1)
        roster = self.roster_delta if fresh else self.full_roster()
        tail = self._tails[key] = roster + self.view(centre, keyframe), len(roster)
        return tail

    def frame(self, sight: Sight, seat: int | None) -> bytes:
        """The message for one viewer, from shared blocks; ``sight`` records it as sent.

        This runs for every viewer every tick, so the common case (same centre as last tick) is one
        cached tail after a packed header."""
        tick = self.tick
        centre = CENTRE if seat is None else self.ship_cells.get(seat, CENTRE)
        fresh = sight.tick == tick - 1
        keyframe = not fresh or (tick + sight.phase) % KEY_EVERY == 0
        if keyframe or sight.centre == centre:
            key = centre << 2 | keyframe << 1 | fresh
            tail, length = self._tails.get(key) or self._tail(key)
        else:  # moved to another cell: deltas where it already looked, keys where it now looks, drops elsewhere
            was, now = AREAS[sight.centre], AREAS[centre]
            parts = [self.roster_delta]
            parts += [self.delta(cell) if cell in was else self.key(cell) for cell in AROUND[centre]]
            parts += [DROPS[cell] for cell in AROUND[sight.centre] if cell not in now]
            tail, length = b"".join(parts), len(self.roster_delta)
        sight.tick, sight.centre = tick, centre
        return _header(SNAPSHOT, keyframe, tick & 0xFFFFFFFF, NO_SEAT if seat is None else seat, length) + tail


@dataclass
class Encoder:
    """One room's snapshot maker: it keeps the last tick's cells and roster to encode deltas against."""

    roster: dict[int, list[Any]] = field(default_factory=dict)
    last: Snapshot | None = None

    def encode(self, state: State, hits: list[tuple[int, int]]) -> Snapshot:
        """This tick's snapshot of ``state`` (once per tick, whoever watches); ``hits`` are its (by, victim)."""
        if self.last is not None and self.last.tick == state.tick:
            return self.last
        cells: list[dict[int, Record]] = [{} for _ in range(AOI_GRID * AOI_GRID)]
        snap = Snapshot(state.tick, cells, self.last)
        ship_cells, roster, changed = snap.ship_cells, self.roster, {}
        for seat, ship in state.ships.items():
            entry = roster.get(seat)
            if entry is None or entry[2] != ship.score or entry[0] != ship.name:
                entry = roster[seat] = changed[seat] = [ship.name, ship.color, ship.score]
            if ship.alive:
                record = quantise(ship)
                cell = cell_of(record[1], record[2])
                cells[cell][seat] = record
                ship_cells[seat] = cell
        gone = [seat for seat in roster if seat not in state.ships] if len(roster) > len(state.ships) else []
        for seat in gone:
            del roster[seat]
        snap.bullets, snap.shot = _bullet_blocks(state)
        if changed or gone or hits:
            snap.roster_delta = _json.encode({"full": False, "ships": changed, "gone": gone, "hits": hits})
        snap.roster = roster  # kept up to date in place: a snapshot's full roster is only read during its own tick
        self.last = snap
        return snap


def _bullet_blocks(state: State) -> tuple[list[bytes], list[bool]]:
    """Each cell's bullets as ``u16 count`` + BULLETs (whole every tick: they live 1.5 s and fly straight)."""
    by_cell: list[list[int]] = [[] for _ in range(AOI_GRID * AOI_GRID)]
    for bullet in state.bullets:
        x, y = int(bullet.x * SCALE) % SPAN, int(bullet.y * SCALE) % SPAN
        by_cell[cell_of(x, y)] += (x, y)
    blocks = [COUNT.pack(len(xy) // 2) + struct.pack(f"<{len(xy)}H", *xy) for xy in by_cell]
    return blocks, [bool(xy) for xy in by_cell]
