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

HEADER = struct.Struct("<BBIHI")  # kind, flags (bit0 keyframe), tick, your seat, roster length
SHIP = struct.Struct("<HHHBbbB")  # seat, x, y, facing, vx, vy, flags
BULLET = struct.Struct("<HH")
COUNT = struct.Struct("<H")
Record = tuple[int, int, int, int, int, int, int]  # a ship quantised, in SHIP's field order
_json = msgspec.json.Encoder()


def quantise(ship: Ship) -> Record:
    """A live ship as integers: position × SCALE, facing in 1/256 turns, velocity × SCALE (clamped to an i8)."""
    facing = round(ship.facing * 256 / math.tau) & 255
    vx = max(-127, min(127, round(ship.dx * SCALE)))
    vy = max(-127, min(127, round(ship.dy * SCALE)))
    return ship.seat, int(ship.x * SCALE) % SPAN, int(ship.y * SCALE) % SPAN, facing, vx, vy, int(ship.thrusting)


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
_DELTA_FORMATS: dict[int, struct.Struct] = {}


def _delta_format(mask: int) -> struct.Struct:
    """The DELTA_SHIP layout for one mask (built once per mask)."""
    found = _DELTA_FORMATS.get(mask)
    if found is None:
        parts = ["<HB", "bb" if mask & MOVED else "", "HH" if mask & JUMPED else ""]
        parts += ["B" if mask & TURNED else "", "bb" if mask & ACCELERATED else "", "B" if mask & FLAGGED else ""]
        found = _DELTA_FORMATS[mask] = struct.Struct("".join(parts))
    return found


def delta_ship(old: Record, new: Record) -> bytes:
    """What changed in one ship since the last tick (``old != new``), in the fewest bytes."""
    seat, x, y, facing, vx, vy, flags = new
    mask, values = 0, [seat, 0]
    if x != old[1] or y != old[2]:
        dx, dy = (x - old[1] + HALF) % SPAN - HALF, (y - old[2] + HALF) % SPAN - HALF
        if -128 <= dx <= 127 and -128 <= dy <= 127:
            mask, values = mask | MOVED, [*values, dx, dy]
        else:
            mask, values = mask | JUMPED, [*values, x, y]
    if facing != old[3]:
        mask, values = mask | TURNED, [*values, facing]
    if vx != old[4] or vy != old[5]:
        mask, values = mask | ACCELERATED, [*values, vx, vy]
    if flags != old[6]:
        mask, values = mask | FLAGGED, [*values, flags]
    values[1] = mask
    return _delta_format(mask).pack(*values)


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
            gone = [seat for seat in before if seat not in now]
            new = [SHIP.pack(*record) for seat, record in now.items() if seat not in before]
            changed = [
                delta_ship(before[seat], record)
                for seat, record in now.items()
                if seat in before and before[seat] != record
            ]
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

    def frame(self, sight: Sight, seat: int | None) -> bytes:
        """The message for one viewer, from shared blocks; ``sight`` records it as sent."""
        centre = self.ship_cells.get(seat, CENTRE) if seat is not None else CENTRE
        fresh = sight.tick == self.tick - 1
        keyframe = not fresh or (self.tick + sight.phase) % KEY_EVERY == 0
        roster = self.roster_delta if fresh else self.full_roster()
        header = HEADER.pack(SNAPSHOT, keyframe, self.tick & 0xFFFFFFFF, NO_SEAT if seat is None else seat, len(roster))
        if keyframe or sight.centre == centre:
            parts = [header, roster, self.view(centre, keyframe)]
        else:  # moved to another cell: deltas where it already looked, keys where it now looks, drops elsewhere
            was, now = AREAS[sight.centre], AREAS[centre]
            parts = [header, roster]
            parts += [self.delta(cell) if cell in was else self.key(cell) for cell in AROUND[centre]]
            parts += [DROPS[cell] for cell in AROUND[sight.centre] if cell not in now]
        sight.tick, sight.centre = self.tick, centre
        return b"".join(parts)


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
        roster: dict[int, list[Any]] = {}
        for ship in state.ships.values():
            roster[ship.seat] = [ship.name, ship.color, ship.score]
            if ship.alive:
                record = quantise(ship)
                cell = cell_of(record[1], record[2])
                cells[cell][ship.seat] = record
                snap.ship_cells[ship.seat] = cell
        snap.bullets, snap.shot = _bullet_blocks(state)
        changed = {seat: entry for seat, entry in roster.items() if self.roster.get(seat) != entry}
        gone = [seat for seat in self.roster if seat not in roster]
        if changed or gone or hits:
            snap.roster_delta = _json.encode({"full": False, "ships": changed, "gone": gone, "hits": hits})
        snap.roster = roster
        self.roster, self.last = roster, snap
        return snap


def _bullet_blocks(state: State) -> tuple[list[bytes], list[bool]]:
    """Each cell's bullets as ``u16 count`` + BULLETs (whole every tick: they live 1.5 s and fly straight)."""
    by_cell: list[list[int]] = [[] for _ in range(AOI_GRID * AOI_GRID)]
    for bullet in state.bullets:
        x, y = int(bullet.x * SCALE) % SPAN, int(bullet.y * SCALE) % SPAN
        by_cell[cell_of(x, y)] += (x, y)
    blocks = [COUNT.pack(len(xy) // 2) + struct.pack(f"<{len(xy)}H", *xy) for xy in by_cell]
    return blocks, [bool(xy) for xy in by_cell]
