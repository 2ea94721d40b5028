// The arena: the world comes over the lane (the arena's own binary websocket, decoded by lane.js) and is drawn
// at the display's frame rate, each ship sliding between the 20 Hz snapshots; the camera follows your ship.
// Mouse: the ship turns toward the pointer, hold the button to thrust, right-click or space to fire.
// Touch: touch to steer and thrust, a second finger (or the Fire button) fires.
// For tests the canvas carries data-tick, data-ships, data-seat and data-lane ("open" or "closed").

import { el } from "../core/socket.js";
import { FIRE, THRUST_OFF, THRUST_ON, World, encodeFacing, wrapDelta } from "./lane.js";

const VIEW = 250; // world units shown on each side of the camera
const GRID_STEP = 125; // world units between grid lines
const FACING_EVERY_MS = 100;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5000;
const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT", "BUTTON"]);
const FINAL_CODES = new Set([4403, 4410]); // a moderator removed you or closed the room: no retry

document.head.append(el("link", { rel: "stylesheet", href: new URL("./arena.css", import.meta.url).href }));

/** Where the lane is: the server's public URL, else this host on the lane's own port. */
function laneUrl({ url, port, path }) {
  if (url) return url;
  if (!port) return null;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.hostname}:${port}${path}`;
}

// The lane's websocket: binary frames and JSON texts to the listeners, reconnecting with backoff.
class LaneSocket {
  constructor({ onText, onFrame, onStatus }) {
    Object.assign(this, { onText, onFrame, onStatus });
    this.ws = null;
    this.timer = null;
    this.retryMs = RETRY_MIN_MS;
  }

  get isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** (Re)connect to ``url`` now, dropping any connection or retry under way. */
  connect(url) {
    this.stop();
    this.url = url;
    this.retryMs = RETRY_MIN_MS;
    this.onStatus("connecting");
    this.open();
  }

  stop() {
    clearTimeout(this.timer);
    const old = this.ws;
    this.ws = null;
    old?.close(1000);
  }

  open() {
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.addEventListener("open", () => this.ws === ws && this.opened());
    ws.addEventListener("message", (event) => this.ws === ws && this.received(event.data));
    ws.addEventListener("close", (event) => this.ws === ws && this.closed(event.code));
  }

  opened() {
    this.retryMs = RETRY_MIN_MS;
    this.onStatus("open");
  }

  received(data) {
    if (typeof data === "string") this.onText(JSON.parse(data));
    else this.onFrame(data);
  }

  closed(code) {
    this.ws = null;
    if (FINAL_CODES.has(code)) {
      this.onStatus("closed");
      return;
    }
    this.onStatus("reconnecting");
    this.timer = setTimeout(() => this.open(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  send(bytes) {
    if (!this.isOpen) return false;
    this.ws.send(bytes);
    return true;
  }
}

function drawGrid(ctx, camera, halfWidth, halfHeight) {
  ctx.beginPath();
  for (let x = Math.ceil((camera.x - halfWidth) / GRID_STEP) * GRID_STEP; x <= camera.x + halfWidth; x += GRID_STEP) {
    ctx.moveTo(x - camera.x, -halfHeight);
    ctx.lineTo(x - camera.x, halfHeight);
  }
  for (let y = Math.ceil((camera.y - halfHeight) / GRID_STEP) * GRID_STEP; y <= camera.y + halfHeight; y += GRID_STEP) {
    ctx.moveTo(-halfWidth, y - camera.y);
    ctx.lineTo(halfWidth, y - camera.y);
  }
  ctx.strokeStyle = "rgba(148, 163, 184, 0.14)";
  ctx.lineWidth = 1.5;
  ctx.stroke();
}

function drawShip(ctx, ship, at, { color, mine }) {
  ctx.save();
  if (ship.away) ctx.globalAlpha = 0.35;
  ctx.translate(at.x, at.y);
  ctx.rotate(at.facing);
  ctx.beginPath();
  ctx.moveTo(18, 0);
  ctx.lineTo(-12, 11);
  ctx.lineTo(-6, 0);
  ctx.lineTo(-12, -11);
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.fill();
  if (mine) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }
  if (ship.thrusting) {
    ctx.fillStyle = "#f97316";
    ctx.fillRect(-20, -3, 8, 6);
  }
  ctx.restore();
}

export function mount(host) {
  const canvas = el("canvas", { class: "arena", "aria-label": "Arena" });
  const note = el("p", { class: "arena-note", role: "status", hidden: true });
  const fire = el("button", { type: "button", class: "arena-fire", hidden: true, onclick: () => shoot() }, "Fire");
  const players = el("p", { class: "arena-players muted" });
  const board = el("ol", { class: "arena-scores", "aria-label": "Scores" });
  host.replaceChildren(el("div", { class: "arena-wrap" }, el("div", { class: "arena-stage" }, canvas, note, fire), players, board));
  const ctx = canvas.getContext("2d");
  const world = new World();
  const lane = new LaneSocket({ onText: laneText, onFrame: laneFrame, onStatus: laneStatus });
  let url; // the lane's URL once known (null: the server runs no lane)
  let mySeat = null;
  let ratio = 1;
  let shown = { at: 0, camera: { x: world.size / 2, y: world.size / 2 }, scale: 1 }; // the last drawn view, for aiming
  let facing = null;
  let sentFacing = null;
  let pressed = false;
  Object.assign(canvas.dataset, { tick: "", ships: "0", seat: "", lane: "closed" });

  function seated() {
    return mySeat !== null;
  }

  // A square as wide as the host allows, at most 75% of the window's height, in device pixels.
  function resize() {
    const size = Math.floor(Math.min(host.clientWidth, window.innerHeight * 0.75));
    const pixels = Math.round(size * (window.devicePixelRatio || 1));
    if (canvas.width === pixels && canvas.style.width === `${size}px`) return;
    ratio = window.devicePixelRatio || 1;
    canvas.style.width = canvas.style.height = `${size}px`;
    canvas.width = canvas.height = pixels;
  }
  window.addEventListener("resize", resize);
  new ResizeObserver(() => requestAnimationFrame(resize)).observe(host);
  resize();

  function laneText(message) {
    if (message.type === "arena.hello") world.configure(message);
    else if (message.type === "error") console.warn("Arena lane:", message.message);
    markWorld();
  }

  function laneFrame(data) {
    const frame = world.receive(data, performance.now());
    if (frame?.roster) renderScores();
    markWorld();
  }

  function showNote(text) {
    note.textContent = text ?? "";
    note.hidden = text === null;
  }

  // "connecting" (a new URL or seat), "open", "reconnecting" (it closed; a retry is due) or "closed" (no lane).
  function laneStatus(state) {
    canvas.dataset.lane = state === "open" ? "open" : "closed";
    if (state === "reconnecting") showNote("Reconnecting…");
    if (state !== "open") return;
    showNote(null);
    sentFacing = null;
    if (seated()) lane.send(pressed ? THRUST_ON : THRUST_OFF);
  }

  function markWorld() {
    canvas.dataset.tick = world.tick ?? "";
    canvas.dataset.ships = world.ships.size;
    canvas.dataset.seat = world.seat ?? "";
  }

  function renderScores() {
    const count = world.roster.size;
    players.textContent = `${count} player${count === 1 ? "" : "s"}`;
    board.replaceChildren(...world.leaders(5).map(({ seat, name, color, score }) => el("li", { class: seat === world.seat ? "you" : null },
      el("span", { class: "dot", style: `background:${color}` }), ` ${name}: ${score}`)));
  }

  function aim(clientX, clientY) {
    const ship = world.me();
    if (!ship) return;
    const box = canvas.getBoundingClientRect();
    const at = ship.sample(shown.at);
    const x = box.width / 2 + wrapDelta(shown.camera.x, at.x, world.size) * shown.scale;
    const y = box.height / 2 + wrapDelta(shown.camera.y, at.y, world.size) * shown.scale;
    facing = Math.atan2(clientY - box.top - y, clientX - box.left - x);
  }

  function thrust(on) {
    if (on === pressed) return;
    pressed = on;
    if (seated()) lane.send(on ? THRUST_ON : THRUST_OFF);
  }

  function shoot() {
    if (seated()) lane.send(FIRE);
  }

  function sendFacing() {
    if (!seated() || facing === null || facing === sentFacing) return;
    if (lane.send(encodeFacing(facing))) sentFacing = facing;
  }

  canvas.addEventListener("mousemove", (event) => aim(event.clientX, event.clientY));
  canvas.addEventListener("mousedown", (event) => {
    aim(event.clientX, event.clientY);
    if (event.button === 2) shoot();
    else thrust(true);
  });
  window.addEventListener("mouseup", (event) => event.button !== 2 && thrust(false));
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
  window.addEventListener("keydown", (event) => {
    if (event.code !== "Space" || !seated() || TYPING.has(event.target.tagName) || event.target.isContentEditable) return;
    event.preventDefault();
    shoot();
  });
  canvas.addEventListener("touchstart", (event) => {
    event.preventDefault();
    if (event.touches.length > 1) shoot();
    aim(event.touches[0].clientX, event.touches[0].clientY);
    thrust(true);
  }, { passive: false });
  canvas.addEventListener("touchmove", (event) => {
    event.preventDefault();
    aim(event.touches[0].clientX, event.touches[0].clientY);
  }, { passive: false });
  const lift = (event) => event.touches.length === 0 && thrust(false);
  canvas.addEventListener("touchend", lift);
  canvas.addEventListener("touchcancel", lift);
  setInterval(sendFacing, FACING_EVERY_MS);

  function drawLabels(now, camera, scale) {
    ctx.setTransform(1, 0, 0, 1, canvas.width / 2, canvas.height / 2);
    ctx.font = `${Math.round(13 * ratio)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.fillStyle = "#cbd5e1";
    for (const ship of world.ships.values()) {
      const at = ship.sample(now);
      const entry = world.roster.get(ship.seat);
      const label = `${entry ? `${entry.name} ${entry.score}` : `#${ship.seat}`}${ship.away ? " (away)" : ""}`;
      const x = wrapDelta(camera.x, at.x, world.size) * scale;
      const y = (wrapDelta(camera.y, at.y, world.size) - 22) * scale;
      ctx.fillText(label, x, y);
    }
  }

  function draw(now) {
    requestAnimationFrame(draw);
    const { width, height } = canvas;
    const scale = Math.min(width, height) / (2 * VIEW);
    const mine = world.me();
    const camera = mine ? mine.sample(now) : { x: world.size / 2, y: world.size / 2 };
    shown = { at: now, camera, scale: scale / ratio };
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#0b1020";
    ctx.fillRect(0, 0, width, height);
    ctx.setTransform(scale, 0, 0, scale, width / 2, height / 2);
    drawGrid(ctx, camera, width / 2 / scale, height / 2 / scale);
    ctx.fillStyle = "#e2e8f0";
    for (const [x, y] of world.bullets()) {
      ctx.fillRect(wrapDelta(camera.x, x, world.size) - 2, wrapDelta(camera.y, y, world.size) - 2, 4, 4);
    }
    for (const ship of world.ships.values()) {
      const at = ship.sample(now);
      const relative = { x: wrapDelta(camera.x, at.x, world.size), y: wrapDelta(camera.y, at.y, world.size), facing: at.facing };
      drawShip(ctx, ship, relative, { color: world.roster.get(ship.seat)?.color ?? "#94a3b8", mine: ship === mine });
    }
    drawLabels(now, camera, scale);
  }
  requestAnimationFrame(draw);

  return {
    status({ room, you }) {
      if (room.status !== "playing" || you.seat === null) return null;
      return matchMedia("(pointer: coarse)").matches
        ? "You're in: touch to steer and thrust; tap Fire or a second finger to fire."
        : "You're in: your ship turns toward the pointer; hold the button to thrust, right-click or space to fire.";
    },
    types: ["arena.lane"],
    handle(message) {
      const next = laneUrl(message);
      if (next === url) return;
      url = next;
      if (url) {
        lane.connect(url);
        return;
      }
      lane.stop();
      laneStatus("closed");
      showNote("The live arena is unavailable.");
    },
    stop() {
      url = null;
      lane.stop();
      laneStatus("closed");
    },
    update({ you }) {
      const seat = you.seat ?? null;
      fire.hidden = seat === null;
      if (seat === mySeat) return;
      mySeat = seat;
      if (url) lane.connect(url);
    },
  };
}
