// The room page: seats, status, links and controls; the game's own module draws the board.

import { ParlorSocket, el } from "../core/socket.js";
import { attachCommon, toast } from "../core/notify.js";

const root = document.getElementById("room");
const joinKey = root.dataset.joinKey ?? null;
const socket = new ParlorSocket(`/ws/room/${root.dataset.roomId}/`);
const game = await import(root.dataset.script);
const board = game.mount(document.getElementById("board"), { send: (message) => socket.send(message) });
// A game may receive frames of its own (a real-time game's snapshots) besides room.state.
for (const type of board.types ?? []) socket.on(type, (message) => board.handle(message));
let latest = null;
let receivedAt = 0;
let triedToSit = false;
let resignArmed = false;

function statusText(state) {
  const { room, you } = state;
  if (room.status === "waiting") {
    const missing = room.min_players - room.seats.length;
    return missing > 0 ? `Waiting for ${missing} more player${missing > 1 ? "s" : ""}…` : "Ready: start when everyone is here.";
  }
  if (room.status === "finished") {
    const result = room.result;
    if (result.draw) return `Draw: ${result.reason}.`;
    const winners = result.winners.map((seat) => room.seats[seat]);
    if (you.seat !== null && result.winners.includes(you.seat)) return `You win! (${result.reason})`;
    if (you.seat !== null) return `You lose: ${winners.map((s) => s.user.name).join(", ")} won (${result.reason}).`;
    return `${winners.map((s) => `${s.user.name} (${s.label})`).join(", ")} won: ${result.reason}.`;
  }
  const custom = board.status?.(state);
  if (custom) return custom;
  if (room.drop_in) {
    return you.seat !== null ? "You're in." : `${room.players} playing. Take a seat to join.`;
  }
  if (room.turn.includes(you.seat)) return "Your turn.";
  const computer = room.turn.map((seat) => room.seats[seat]).find((seat) => seat.user.bot);
  if (computer) return `${computer.user.name} (${computer.label}) is thinking…`;
  const waiting = room.turn.map((seat) => room.seats[seat]);
  return waiting.length ? `${waiting.map((s) => `${s.user.name} (${s.label})`).join(", ")} to play.` : "Playing.";
}

// Opponents gone: when may this player claim the win? (seconds, or null if nobody is away)
function claimIn(state) {
  const { room, you } = state;
  if (room.status !== "playing" || you.seat === null || !room.resignable) return null;
  const others = room.seats.filter((seat) => seat.seat !== you.seat);
  if (others.length === 0 || others.some((seat) => seat.away === null)) return null;
  const elapsed = (performance.now() - receivedAt) / 1000;
  const awayFor = Math.min(...others.map((seat) => seat.away)) + elapsed;
  return Math.max(0, Math.ceil(room.claim_after - awayFor));
}

function renderAway() {
  if (latest === null) return;
  const wait = claimIn(latest);
  const away = document.getElementById("away");
  const claim = document.getElementById("claim");
  away.hidden = wait === null;
  claim.hidden = wait === null;
  if (wait === null) return;
  claim.disabled = wait > 0;
  away.textContent = wait > 0
    ? `Your opponent disconnected. If they don't come back, you can claim the win in ${wait} s.`
    : "Your opponent disconnected. You can claim the win.";
}

// The room's phase clock (a turn's time limit, a drawing round): counted down here between updates.
function renderClock() {
  const clock = document.getElementById("clock");
  const info = latest?.room.status === "playing" ? latest.room.clock : null;
  clock.hidden = info === null || info === undefined;
  if (clock.hidden) return;
  const left = Math.max(0, Math.ceil(info.remaining - (performance.now() - receivedAt) / 1000));
  clock.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  clock.classList.toggle("low", left <= 5);
}

function render(state) {
  const { room, you } = state;
  document.getElementById("status").textContent = statusText(state);
  document.getElementById("seats").replaceChildren(...room.seats.map((seat) => el("li", { class: seat.seat === you.seat ? "you" : "" },
    el("span", { class: `dot ${seat.online ? "online" : "offline"}`, title: seat.online ? "online" : "disconnected" }),
    el("span", { class: "label" }, seat.label), " ", seat.user.name, seat.seat === you.seat && you.seat !== null ? " (you)" : "",
    room.rematch.includes(seat.seat) ? el("span", { class: "muted" }, " · wants a rematch") : null,
  )));
  document.getElementById("spectators").textContent = room.spectators ? `${room.spectators} watching` : "";
  document.getElementById("watch-link").value = new URL(room.watch_url, location.href).href;
  document.getElementById("join-row").hidden = !room.join_url;
  if (room.join_url) document.getElementById("join-link").value = new URL(room.join_url, location.href).href;
  const open = room.status === "waiting" || (room.drop_in && room.status === "playing");
  const canSit = open && !you.seated && room.players < room.max_players && (room.public || joinKey);
  document.getElementById("sit").hidden = !canSit;
  document.getElementById("leave").hidden = !(open && you.seated); // a drop-in world's player may leave it at once
  document.getElementById("start").hidden = !(room.status === "waiting" && you.seated && room.seats.length >= room.min_players);
  const rematch = document.getElementById("rematch");
  rematch.hidden = !(room.status === "finished" && you.seat !== null);
  rematch.disabled = room.rematch.includes(you.seat);
  rematch.textContent = rematch.disabled ? "Rematch asked…" : "Rematch";
  const resign = document.getElementById("resign");
  resign.hidden = !(room.status === "playing" && you.seat !== null && room.resignable);
  if (resign.hidden) resignArmed = false;
  resign.textContent = resignArmed ? "Really resign?" : "Resign";
  const replay = document.getElementById("replay-link");
  replay.hidden = !room.replay_url;
  if (room.replay_url) replay.href = room.replay_url;
  renderAway();
  renderClock();
  board.update(state);
}

attachCommon(socket).on("room.state", (state) => {
  latest = state;
  receivedAt = performance.now();
  const open = state.room.status === "waiting" || (state.room.drop_in && state.room.status === "playing");
  if (joinKey && !triedToSit && open && !state.you.seated) {
    triedToSit = true;
    socket.send({ type: "room.sit", key: joinKey });
  }
  render(state);
});

document.getElementById("sit").addEventListener("click", () => socket.send({ type: "room.sit", key: joinKey }));
document.getElementById("leave").addEventListener("click", () => socket.send({ type: "room.leave" }));
document.getElementById("start").addEventListener("click", () => socket.send({ type: "room.start" }));
document.getElementById("rematch").addEventListener("click", () => socket.send({ type: "room.rematch" }));
document.getElementById("claim").addEventListener("click", () => socket.send({ type: "room.claim" }));
document.getElementById("resign").addEventListener("click", () => {
  if (resignArmed) socket.send({ type: "room.resign" });
  resignArmed = !resignArmed;
  if (latest) render(latest);
});
setInterval(renderAway, 1000);
setInterval(renderClock, 250);
// A game may quiet the errors it expects (it returns true) and repair its board after a refusal.
const showError = socket.handlers.get("error");
socket.on("error", (message) => {
  if (!board.error?.(message)) showError(message);
});
for (const button of document.querySelectorAll(".copy")) {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.target);
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      toast("Link copied.", { timeout: 2000 });
    } catch {
      toast("Select the link and copy it.", { timeout: 3000 });
    }
  });
}
// A moderator closed the room or removed you (the admin's room monitor): say so, stop the game's own streams.
const ENDED = { 4403: "A moderator removed you from this room.", 4410: "A moderator closed this room." };
socket.onStatus((state, code) => {
  if (state !== "closed") return;
  const status = document.getElementById("status");
  if (ENDED[code]) {
    status.textContent = ENDED[code];
    document.getElementById("controls").hidden = true;
    board.stop?.();
  } else if (latest === null) {
    status.textContent = "This room does not exist.";
  }
});
socket.connect();
