// The arena: a canvas drawn at the display's frame rate, interpolating between 20 Hz snapshots.
// Mouse: the ship turns toward the pointer, hold the button to thrust, right-click or space to fire.
// Touch: touch to steer and thrust, a second finger (or the Fire button) fires.

import { el } from "../core/socket.js";

const WORLD = 1000;
const DELAY_MS = 100; // render this far in the past, so there are two snapshots to blend
const [SEAT, NAME, COLOR, X, Y, FACING, , , THRUSTING, SCORE, ALIVE] = Array.from({ length: 11 }, (_, i) => i);

function wrapDelta(a, b) {
  let d = b - a;
  if (d > WORLD / 2) d -= WORLD;
  if (d < -WORLD / 2) d += WORLD;
  return d;
}

function angleDelta(a, b) {
  let d = b - a;
  while (d > Math.PI) d -= 2 * Math.PI;
  while (d < -Math.PI) d += 2 * Math.PI;
  return d;
}

export function mount(host, { send }) {
  const canvas = el("canvas", { class: "arena", "aria-label": "Arena" });
  const fire = el("button", { type: "button", class: "arena-fire", onclick: () => send({ type: "fire" }) }, "Fire");
  const board = el("ol", { class: "arena-scores", "aria-label": "Scores" });
  host.replaceChildren(el("div", { class: "arena-wrap" }, canvas, fire, board));
  const ctx = canvas.getContext("2d");
  const snapshots = [];
  let mySeat = null;
  let seated = false;
  let facing = 0;
  let sentFacing = null;
  let thrusting = false;

  function resize() {
    const size = Math.min(host.clientWidth, window.innerHeight * 0.75);
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = canvas.style.height = `${size}px`;
    canvas.width = canvas.height = Math.round(size * ratio);
  }
  window.addEventListener("resize", resize);
  resize();

  function myShip() {
    const latest = snapshots.at(-1);
    return latest?.ships.find((ship) => ship[SEAT] === mySeat && ship[ALIVE]);
  }

  function aim(clientX, clientY) {
    const ship = myShip();
    if (!ship) return;
    const box = canvas.getBoundingClientRect();
    const x = ((clientX - box.left) / box.width) * WORLD;
    const y = ((clientY - box.top) / box.height) * WORLD;
    facing = Math.atan2(wrapDelta(ship[Y], y), wrapDelta(ship[X], x));
  }

  function thrust(on) {
    if (!seated || on === thrusting) return;
    thrusting = on;
    send({ type: on ? "mouseDown" : "mouseUp" });
  }

  canvas.addEventListener("mousemove", (event) => aim(event.clientX, event.clientY));
  canvas.addEventListener("mousedown", (event) => {
    aim(event.clientX, event.clientY);
    if (event.button === 2) send({ type: "fire" });
    else thrust(true);
  });
  window.addEventListener("mouseup", () => thrust(false));
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
  window.addEventListener("keydown", (event) => {
    if (event.code === "Space" && seated) {
      event.preventDefault();
      send({ type: "fire" });
    }
  });
  canvas.addEventListener("touchstart", (event) => {
    event.preventDefault();
    if (event.touches.length > 1) send({ type: "fire" });
    aim(event.touches[0].clientX, event.touches[0].clientY);
    thrust(true);
  }, { passive: false });
  canvas.addEventListener("touchmove", (event) => {
    event.preventDefault();
    aim(event.touches[0].clientX, event.touches[0].clientY);
  }, { passive: false });
  canvas.addEventListener("touchend", () => thrust(false));
  setInterval(() => {
    if (seated && sentFacing !== facing) {
      sentFacing = facing;
      send({ type: "facing", facing });
    }
  }, 50);

  function blend(now) {
    const target = now - DELAY_MS;
    while (snapshots.length > 2 && snapshots[1].at <= target) snapshots.shift();
    const [a, b] = snapshots;
    if (!b || target <= a.at) return a;
    const t = Math.min(1, (target - a.at) / (b.at - a.at));
    const before = new Map(a.ships.map((ship) => [ship[SEAT], ship]));
    const ships = b.ships.map((ship) => {
      const old = before.get(ship[SEAT]);
      if (!old || !old[ALIVE] || !ship[ALIVE]) return ship;
      const out = ship.slice();
      out[X] = (old[X] + wrapDelta(old[X], ship[X]) * t + WORLD) % WORLD;
      out[Y] = (old[Y] + wrapDelta(old[Y], ship[Y]) * t + WORLD) % WORLD;
      out[FACING] = old[FACING] + angleDelta(old[FACING], ship[FACING]) * t;
      return out;
    });
    return { ships, bullets: b.bullets };
  }

  function draw(now) {
    requestAnimationFrame(draw);
    if (!snapshots.length) return;
    const frame = blend(now);
    const scale = canvas.width / WORLD;
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.fillStyle = "#0b1020";
    ctx.fillRect(0, 0, WORLD, WORLD);
    ctx.fillStyle = "#e2e8f0";
    for (const [x, y] of frame.bullets) ctx.fillRect(x - 2.5, y - 2.5, 5, 5);
    ctx.font = "14px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const ship of frame.ships) {
      if (!ship[ALIVE]) continue;
      ctx.save();
      ctx.translate(ship[X], ship[Y]);
      ctx.rotate(ship[FACING]);
      ctx.beginPath();
      ctx.moveTo(18, 0);
      ctx.lineTo(-12, 11);
      ctx.lineTo(-6, 0);
      ctx.lineTo(-12, -11);
      ctx.closePath();
      ctx.fillStyle = ship[COLOR];
      ctx.fill();
      if (ship[SEAT] === mySeat) {
        ctx.strokeStyle = "#fff";
        ctx.lineWidth = 2.5;
        ctx.stroke();
      }
      if (ship[THRUSTING]) {
        ctx.fillStyle = "#f97316";
        ctx.fillRect(-20, -3, 8, 6);
      }
      ctx.restore();
      ctx.fillStyle = "#cbd5e1";
      ctx.fillText(`${ship[NAME]} ${ship[SCORE]}`, ship[X], ship[Y] - 22);
    }
  }
  requestAnimationFrame(draw);

  return {
    types: ["arena.frame"],
    handle(message) {
      snapshots.push({ at: performance.now(), ships: message.ships, bullets: message.bullets });
      if (snapshots.length > 30) snapshots.splice(0, snapshots.length - 30);
      const top = [...message.ships].sort((a, b) => b[SCORE] - a[SCORE]).slice(0, 5);
      board.replaceChildren(...top.map((ship) => el("li", { class: ship[SEAT] === mySeat ? "you" : "" },
        el("span", { class: "dot", style: `background:${ship[COLOR]}` }), ` ${ship[NAME]}: ${ship[SCORE]}`)));
    },
    update({ you }) {
      mySeat = you.seat;
      seated = you.seat !== null;
      fire.hidden = !seated;
    },
  };
}
