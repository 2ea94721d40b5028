// The arena's lane on the client: decoding its binary snapshots, the World they build, and the binary inputs.
// Wire format: docs/protocol.md, "The arena lane" (little-endian throughout). Pure: no DOM, no sockets,
// so it runs under node as well as in the page. Times are milliseconds from the caller's clock.

const SNAPSHOT = 1; // first byte of a snapshot
const KEYFRAME = 1; // header flags bit: forget everything before applying
const NO_SEAT = 0xffff;
export const KEY = 0;
export const DELTA = 1;
export const DROP = 2;
const MOVED = 1;
const JUMPED = 2;
const TURNED = 4;
const ACCELERATED = 8;
const FLAGGED = 16;
const THRUSTING = 1; // ship flags bits
const AWAY = 2;
const BLEND_TICKS = 1.5; // a ship slides to its new position over this many ticks, so late frames don't stall it
const TELEPORT = 100; // world units: a jump farther than this (a respawn) is shown at once, not slid
const utf8 = new TextDecoder();

export const THRUST_ON = Uint8Array.of(1);
export const THRUST_OFF = Uint8Array.of(2);
export const FIRE = Uint8Array.of(4);

/** The facing input: 0x03 then the angle in radians as a little-endian f32. */
export function encodeFacing(radians) {
  const view = new DataView(new ArrayBuffer(5));
  view.setUint8(0, 3);
  view.setFloat32(1, radians, true);
  return view.buffer;
}

/** The shortest signed way from a to b on a ring of the given size. */
export function wrapDelta(a, b, size) {
  const d = (((b - a) % size) + size) % size;
  return d >= size / 2 ? d - size : d;
}

function mod(value, size) {
  return ((value % size) + size) % size;
}

function angleDelta(a, b) {
  return wrapDelta(a, b, 2 * Math.PI);
}

// A cursor over a message: each read moves past what it read.
class Reader {
  constructor(data) {
    const bytes = ArrayBuffer.isView(data) ? data : new Uint8Array(data);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = 0;
  }

  get left() {
    return this.view.byteLength - this.at;
  }

  u8() {
    return this.view.getUint8(this.at++);
  }

  i8() {
    return this.view.getInt8(this.at++);
  }

  u16() {
    const value = this.view.getUint16(this.at, true);
    this.at += 2;
    return value;
  }

  u32() {
    const value = this.view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  text(length) {
    if (length > this.left) throw new RangeError("Roster runs past the end of the frame.");
    const value = utf8.decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return value;
  }

  list(read) {
    return Array.from({ length: this.u16() }, () => read(this));
  }
}

function readShip(r) {
  return { seat: r.u16(), x: r.u16(), y: r.u16(), facing: r.u8(), vx: r.i8(), vy: r.i8(), flags: r.u8() };
}

function readDeltaShip(r) {
  const change = { seat: r.u16() };
  const mask = r.u8();
  if (mask & MOVED) Object.assign(change, { dx: r.i8(), dy: r.i8() });
  if (mask & JUMPED) Object.assign(change, { x: r.u16(), y: r.u16() });
  if (mask & TURNED) change.facing = r.u8();
  if (mask & ACCELERATED) Object.assign(change, { vx: r.i8(), vy: r.i8() });
  if (mask & FLAGGED) change.flags = r.u8();
  return change;
}

function readBullet(r) {
  return [r.u16(), r.u16()];
}

function readBlock(r) {
  const cell = r.u8();
  const kind = r.u8();
  if (kind === KEY) return { cell, kind, ships: r.list(readShip), bullets: r.list(readBullet) };
  if (kind === DELTA) {
    const gone = r.list((reader) => reader.u16());
    const ships = r.list(readShip);
    const changes = r.list(readDeltaShip);
    return { cell, kind, gone, ships, changes, bullets: r.list(readBullet) };
  }
  if (kind === DROP) return { cell, kind };
  throw new RangeError(`Unknown cell block kind ${kind}.`);
}

/** One binary snapshot as plain data (positions still quantised), or null if it is not a snapshot. */
export function decodeFrame(data) {
  const r = new Reader(data);
  if (r.left < 12 || r.u8() !== SNAPSHOT) return null;
  const flags = r.u8();
  const tick = r.u32();
  const seat = r.u16();
  const rosterLength = r.u32();
  const roster = rosterLength ? JSON.parse(r.text(rosterLength)) : null;
  const blocks = [];
  while (r.left > 0) blocks.push(readBlock(r));
  return { keyframe: Boolean(flags & KEYFRAME), tick, seat: seat === NO_SEAT ? null : seat, roster, blocks };
}

// One live ship: its quantised state, and where it is drawn from and to for the blend between snapshots.
class Ship {
  constructor(world, record, now) {
    this.world = world;
    this.seat = record.seat;
    this.cell = null;
    this.q = { ...record };
    this.to = this.place();
    this.from = { ...this.to };
    this.at = now;
  }

  get x() {
    return this.to.x;
  }

  get y() {
    return this.to.y;
  }

  get facing() {
    return this.to.facing;
  }

  get vx() {
    return this.q.vx / this.world.scale;
  }

  get vy() {
    return this.q.vy / this.world.scale;
  }

  get thrusting() {
    return Boolean(this.q.flags & THRUSTING);
  }

  /** Its player's connection is gone; the ship waits a few seconds for them. */
  get away() {
    return Boolean(this.q.flags & AWAY);
  }

  place() {
    const { scale } = this.world;
    return { x: this.q.x / scale, y: this.q.y / scale, facing: (this.q.facing * 2 * Math.PI) / 256 };
  }

  /** Where the ship is drawn at time ``now``: sliding from ``from`` to ``to`` over the blend. */
  sample(now) {
    const { size, blendMs } = this.world;
    const t = Math.min(1, Math.max(0, (now - this.at) / blendMs));
    return {
      x: mod(this.from.x + wrapDelta(this.from.x, this.to.x, size) * t, size),
      y: mod(this.from.y + wrapDelta(this.from.y, this.to.y, size) * t, size),
      facing: this.from.facing + angleDelta(this.from.facing, this.to.facing) * t,
    };
  }

  /** A new snapshot of this ship has arrived: blend on from where it is drawn now. */
  restart(now) {
    this.from = this.sample(now);
    this.at = now;
  }

  update(fields) {
    Object.assign(this.q, fields);
    this.to = this.place();
    const { size } = this.world;
    const far = Math.hypot(wrapDelta(this.from.x, this.to.x, size), wrapDelta(this.from.y, this.to.y, size));
    if (far > TELEPORT) this.from = { ...this.to };
  }

  /** Apply a DELTA_SHIP: a relative move (dx, dy) is on the quantised position, wrapping around the world. */
  change({ dx, dy, ...fields }) {
    const { span } = this.world;
    if (dx !== undefined) Object.assign(fields, { x: mod(this.q.x + dx, span), y: mod(this.q.y + dy, span) });
    this.update(fields);
  }
}

/** What the lane has told this client: the ships and bullets in view, the roster, the tick and your seat. */
export class World {
  constructor({ world = 1000, scale = 16, tick_hz: tickHz = 20 } = {}) {
    this.configure({ world, scale, tick_hz: tickHz });
    this.tick = null;
    this.seat = null;
    this.ships = new Map(); // seat -> Ship, live ships in view only
    this.cells = new Map(); // cell -> {seats: Set, bullets: [[x, y], ...] in world units}
    this.roster = new Map(); // seat -> {name, color, score}, everyone in the arena
    this.hits = []; // the last roster change's [by, victim] pairs
    this.departed = new Map(); // ships taken out of a cell during one frame, in case another cell takes them in
  }

  /** Take the lane's ``arena.hello``: the world's size, quantisation, tick rate and your seat. */
  configure(hello) {
    this.size = hello.world ?? this.size;
    this.scale = hello.scale ?? this.scale;
    this.span = Math.round(this.size * this.scale);
    this.tickHz = hello.tick_hz ?? this.tickHz;
    this.blendMs = (1000 / this.tickHz) * BLEND_TICKS;
    if ("seat" in hello) this.seat = hello.seat;
  }

  /** Decode and apply one binary message at time ``now``; returns the decoded frame (null if not a snapshot). */
  receive(data, now) {
    const frame = decodeFrame(data);
    if (frame !== null) this.apply(frame, now);
    return frame;
  }

  apply(frame, now) {
    for (const ship of this.ships.values()) ship.restart(now);
    this.departed = frame.keyframe ? this.ships : new Map();
    if (frame.keyframe) {
      this.ships = new Map();
      this.cells.clear();
    }
    this.tick = frame.tick;
    this.seat = frame.seat;
    if (frame.roster) this.applyRoster(frame.roster);
    for (const block of frame.blocks) this.applyBlock(block, now);
    this.departed = new Map();
  }

  applyRoster({ full, ships = {}, gone = [], hits = [] }) {
    if (full) this.roster.clear();
    for (const [seat, [name, color, score]] of Object.entries(ships)) this.roster.set(Number(seat), { name, color, score });
    for (const seat of gone) this.roster.delete(seat);
    this.hits = hits;
  }

  applyBlock(block, now) {
    if (block.kind === DROP) {
      this.empty(block.cell);
      this.cells.delete(block.cell);
      return;
    }
    if (block.kind === KEY) this.empty(block.cell);
    for (const seat of block.gone ?? []) this.evict(block.cell, seat);
    for (const record of block.ships) this.admit(block.cell, record, now);
    for (const change of block.changes ?? []) this.ships.get(change.seat)?.change(change);
    this.cell(block.cell).bullets = block.bullets.map(([x, y]) => [x / this.scale, y / this.scale]);
  }

  cell(index) {
    let found = this.cells.get(index);
    if (found === undefined) this.cells.set(index, (found = { seats: new Set(), bullets: [] }));
    return found;
  }

  empty(index) {
    for (const seat of this.cells.get(index)?.seats ?? []) this.evict(index, seat);
  }

  /** A ship left a cell: forget it, unless another cell has already taken it in this frame. */
  evict(index, seat) {
    this.cells.get(index)?.seats.delete(seat);
    const ship = this.ships.get(seat);
    if (ship?.cell !== index) return;
    this.ships.delete(seat);
    this.departed.set(seat, ship);
  }

  /** A ship is (now) in a cell: keep its blend if it was known, moving it out of its old cell. */
  admit(index, record, now) {
    let ship = this.ships.get(record.seat);
    if (ship !== undefined && ship.cell !== index) this.cells.get(ship.cell)?.seats.delete(record.seat);
    ship ??= this.departed.get(record.seat);
    if (ship === undefined) ship = new Ship(this, record, now);
    else ship.update(record);
    this.departed.delete(record.seat);
    ship.cell = index;
    this.ships.set(record.seat, ship);
    this.cell(index).seats.add(record.seat);
  }

  /** Your live ship, if you have one in view. */
  me() {
    return this.seat === null ? undefined : this.ships.get(this.seat);
  }

  *bullets() {
    for (const { bullets } of this.cells.values()) yield* bullets;
  }

  /** The best ``count`` of the roster by score, as ``{seat, name, color, score}``. */
  leaders(count) {
    const everyone = [...this.roster].map(([seat, entry]) => ({ seat, ...entry }));
    return everyone.sort((a, b) => b.score - a.score || a.seat - b.seat).slice(0, count);
  }
}
