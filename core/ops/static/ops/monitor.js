// The live room monitor (staff only): polls every process's live rooms and shows them, updating only what changed
// (so a half-typed announcement survives); per room: close it (two clicks), kick a player, announce to it.

import { el } from "../core/socket.js";

const root = document.getElementById("monitor");
const { rooms: roomsUrl, close: closeUrl, kick: kickUrl, announce: announceUrl, csrf } = root.dataset;
const interval = Number(root.dataset.interval) || 2000;
const body = document.querySelector("#monitor-rooms tbody");
const filter = document.getElementById("monitor-filter");
const rows = new Map(); // room id -> { row, cells, text }
let busy = false;
let again = false;

function say(text, kind) {
  const box = document.getElementById("monitor-message");
  box.hidden = false;
  box.className = kind;
  box.textContent = text;
}

// POST a staff action; the answer (done, or why not) is shown above the table.
async function post(url, fields) {
  let ok = false;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body: new URLSearchParams(fields),
      credentials: "same-origin",
    });
    const answer = await response.json();
    ok = Boolean(answer.ok);
    say(ok ? answer.message : answer.error, ok ? "success" : "error");
  } catch (error) {
    say(`The request failed: ${error.message}`, "error");
  }
  refresh();
  return ok;
}

// Replace a cell's content only when its data changed.
function show(cell, value, build) {
  const key = JSON.stringify(value);
  if (cell.dataset.key === key) return;
  cell.dataset.key = key;
  cell.replaceChildren(...[build(value)].flat());
}

function players(room) {
  if (room.players.length === 0) return el("span", { class: "quiet" }, "nobody seated");
  return el("ul", { class: "players" }, room.players.map((player) => el("li", { dataset: { user: player.id } },
    el("span", { class: `dot ${player.connected || player.bot ? "on" : "off"}`, title: player.connected ? `${player.sockets} socket(s)` : "disconnected" }),
    ` ${player.label}: ${player.name}`,
    player.bot ? el("span", { class: "quiet" }, " (computer)") : null,
    player.away !== null ? el("span", { class: "quiet" }, ` away ${Math.round(player.away)} s`) : null,
    player.bot ? null : el("button", {
      type: "button", class: "kick", "aria-label": `Kick ${player.name}`,
      onclick: () => post(kickUrl, { room: room.id, user: player.id }),
    }, "Kick"),
  )));
}

function ticks(tick) {
  if (!tick) return "—";
  const badge = el("span", { class: `health ${tick.health}` }, tick.health);
  if (tick.p50_ms === null) return [badge, " no ticks in the last 10 s"];
  return [badge, ` ${tick.rate}/${tick.hz} per s`, el("br"), `tick p50 ${tick.p50_ms} · p99 ${tick.p99_ms} ms`, el("br"),
    `late p50 ${tick.late_p50_ms} · p99 ${tick.late_p99_ms} ms`];
}

// The actions cell is built once per row: its buttons and the announcement's text are never replaced.
function actions(id) {
  const close = el("button", { type: "button", class: "close-room" }, "Close room");
  let armed = null;
  close.addEventListener("click", () => {
    if (armed === null) {
      close.textContent = "Really close?";
      armed = setTimeout(() => { armed = null; close.textContent = "Close room"; }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    close.textContent = "Close room";
    post(closeUrl, { room: id });
  });
  const text = el("input", { type: "text", maxlength: "500", placeholder: "Announcement", "aria-label": `Announcement to room ${id}` });
  const form = el("form", { class: "announce" }, text, el("button", { type: "submit" }, "Send"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await post(announceUrl, { room: id, text: text.value })) text.value = "";
  });
  return el("td", { class: "actions" }, close, form);
}

function addRow(room) {
  const cells = Object.fromEntries(["room", "game", "process", "status", "players", "sockets", "summary", "tick"]
    .map((name) => [name, el("td", { class: name })]));
  const row = el("tr", { dataset: { room: room.id } }, ...Object.values(cells), actions(room.id));
  const entry = { row, cells, text: "" };
  rows.set(room.id, entry);
  return entry;
}

function update({ cells }, room) {
  show(cells.room, [room.id, room.watch_url, room.public], () => [
    el("a", { href: room.watch_url, target: "_blank" }, room.id), el("br"), el("span", { class: "quiet" }, room.public ? "public" : "private")]);
  show(cells.game, room.game_name, (name) => name);
  show(cells.process, room.process, (name) => name);
  show(cells.status, [room.status, room.match], () => (room.match ? `${room.status} (match ${room.match})` : room.status));
  show(cells.players, [room.id, room.players], () => players(room));
  show(cells.sockets, [room.sockets, room.spectators], () => `${room.sockets} open, ${room.spectators} watching`);
  show(cells.summary, room.summary, (summary) => summary);
  show(cells.tick, room.tick, ticks);
}

function applyFilter() {
  const query = filter.value.trim().toLowerCase();
  for (const entry of rows.values()) entry.row.hidden = query !== "" && !entry.text.includes(query);
}

function render(data) {
  const old = data.processes.filter((process) => process.age > (2 * interval) / 1000);
  document.getElementById("monitor-processes").textContent = `${data.processes.map((process) => `${process.name}: ${process.rooms} room(s)`).join(" · ")}`
    + (old.length ? ` (not updated for: ${old.map((process) => `${process.name} ${process.age} s`).join(", ")})` : "")
    + ` — served by ${data.process}, every ${interval / 1000} s.`;
  const live = new Set(data.rooms.map((room) => room.id));
  for (const [id, entry] of rows) {
    if (!live.has(id)) {
      entry.row.remove();
      rows.delete(id);
    }
  }
  let previous = null;
  for (const room of data.rooms) {
    const entry = rows.get(room.id) ?? addRow(room);
    update(entry, room);
    entry.text = [room.id, room.game_name, room.process, ...room.players.map((player) => player.name)].join(" ").toLowerCase();
    const expected = previous ? previous.nextElementSibling : body.firstElementChild;
    if (expected !== entry.row) body.insertBefore(entry.row, expected);
    previous = entry.row;
  }
  document.getElementById("monitor-empty").hidden = data.rooms.length > 0;
  applyFilter();
}

async function refresh() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    const response = await fetch(roomsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error ?? `HTTP ${response.status}`);
    render(data);
    root.dataset.state = "live";
  } catch (error) {
    document.getElementById("monitor-processes").textContent = `The monitor cannot read the rooms (${error.message}); retrying.`;
    root.dataset.state = "error";
  } finally {
    busy = false;
  }
  if (again) {
    again = false;
    refresh();
  }
}

filter.addEventListener("input", applyFilter);
refresh();
setInterval(refresh, interval);
