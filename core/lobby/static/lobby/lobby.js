// The lobby: catalog, who is online, open rooms and invitations, all kept live by one socket.

import { ParlorSocket, el } from "../core/socket.js";
import { attachCommon, rememberSentInvitation } from "../core/notify.js";

const me = Number(document.getElementById("me").dataset.userId);
const games = new Map();
const online = new Map(); // id -> user, oldest arrival first, at most SHOWN (you are never dropped)
const SHOWN = 100; // the server's cap on the online list it sends (core/presence/services.py)
let onlineCount = 0;
const rooms = new Map();
const invitations = new Map();
const socket = new ParlorSocket("/ws/lobby/");

function optionSchema(game) {
  const schema = game.options;
  if (schema.$ref) return schema.$defs[schema.$ref.split("/").pop()];
  return schema;
}

function renderOptions() {
  const game = games.get(document.getElementById("game").value);
  document.getElementById("game-description").textContent =
    game ? `${game.description} (${game.min_players === game.max_players ? game.min_players : `${game.min_players}–${game.max_players}`} players)` : "";
  const box = document.getElementById("options");
  box.replaceChildren();
  const levels = game?.bot_levels ?? [];
  document.getElementById("bot-row").hidden = levels.length === 0;
  document.getElementById("bot-level").replaceChildren(...levels.map((level, index) =>
    el("option", { value: level, selected: index === Math.floor((levels.length - 1) / 2) }, level)));
  if (!game) return;
  for (const [name, field] of Object.entries(optionSchema(game).properties ?? {})) {
    const label = field.title ?? name;
    let input;
    if (field.type === "boolean") {
      input = el("input", { type: "checkbox", name, checked: Boolean(field.default) });
      box.append(el("label", { class: "check" }, input, ` ${label}`));
      continue;
    }
    if (field.enum) {
      input = el("select", { name }, field.enum.map((value) => el("option", { value, selected: value === field.default }, value)));
    } else if (field.type === "integer" || field.type === "number") {
      input = el("input", { type: "number", name, value: field.default ?? "", min: field.minimum, max: field.maximum, step: field.type === "integer" ? 1 : "any" });
    } else {
      input = el("input", { type: "text", name, value: field.default ?? "" });
    }
    box.append(el("label", {}, `${label} `, input));
  }
}

function chosenOptions() {
  const options = {};
  for (const input of document.querySelectorAll("#options [name]")) {
    if (input.type === "checkbox") options[input.name] = input.checked;
    else if (input.type === "number") options[input.name] = input.value === "" ? undefined : Number(input.value);
    else options[input.name] = input.value;
  }
  return options;
}

function arrived(person) {
  online.delete(person.id);
  online.set(person.id, person);
  for (const id of online.keys()) {
    if (online.size <= SHOWN) break;
    if (id !== me) online.delete(id);
  }
}

function replaceOnline(people, count) {
  const mine = online.get(me);
  online.clear();
  if (mine) online.set(me, mine);
  for (const person of [...people].reverse()) arrived(person);
  onlineCount = count;
}

function renderOnline() {
  const list = document.getElementById("online");
  const people = [...online.values()].sort((a, b) => a.name.localeCompare(b.name));
  const total = Math.max(onlineCount, people.length);
  list.replaceChildren(...people.map((person) => el("li", { dataset: { userId: person.id } },
    el("span", { class: "dot online", "aria-hidden": "true" }),
    el("span", { class: "name" }, person.name, person.id === me ? " (you)" : ""),
    person.id === me ? null : el("button", { type: "button", class: "small", onclick: () => invite(person) }, "Invite"),
  )));
  if (total > people.length) list.append(el("li", { class: "muted" }, `and ${total - people.length} more`));
  document.getElementById("online-count").textContent = `(${total})`;
}

function renderRooms() {
  const list = document.getElementById("rooms");
  list.replaceChildren(...[...rooms.values()].map((room) => el("li", { class: "room-entry", dataset: { roomId: room.id } },
    el("strong", {}, room.game_name),
    el("span", { class: "muted" }, ` ${room.status === "waiting" ? "waiting" : "playing"} · ${room.players.join(", ") || "empty"}${room.count > room.players.length ? "…" : ""} (${room.count}/${room.max_players})`),
    el("span", { class: "actions" },
      room.join_url ? el("a", { class: "button small primary", href: room.join_url }, "Join") : null,
      el("a", { class: "button small", href: room.watch_url }, "Watch")),
  )));
  document.getElementById("rooms-empty").hidden = rooms.size > 0;
}

function renderInvitations() {
  const list = document.getElementById("invitations");
  const pending = [...invitations.values()].filter((item) => item.status === "pending");
  list.replaceChildren(...pending.map((item) => {
    const game = games.get(item.game)?.name ?? item.game;
    if (item.to.id === me) {
      return el("li", { class: "invitation incoming" }, `${item.from.name} invites you to ${game} `,
        el("button", { type: "button", class: "small primary", onclick: () => socket.send({ type: "invitation.accept", id: item.id }) }, "Accept"),
        el("button", { type: "button", class: "small", onclick: () => socket.send({ type: "invitation.decline", id: item.id }) }, "Decline"));
    }
    return el("li", { class: "invitation outgoing" }, `You invited ${item.to.name} to ${game} `,
      el("span", { class: "muted" }, "(waiting) "),
      el("button", { type: "button", class: "small", onclick: () => socket.send({ type: "invitation.cancel", id: item.id }) }, "Cancel"));
  }));
  document.getElementById("invitations-empty").hidden = pending.length > 0;
}

function upsertInvitation(invitation) {
  invitations.set(invitation.id, invitation);
  renderInvitations();
}

function invite(person) {
  const game = document.getElementById("game").value;
  socket.send({ type: "lobby.invite", user: person.id, game, options: chosenOptions() });
}

attachCommon(socket, { onInvitation: upsertInvitation })
  .on("lobby.state", (message) => {
    games.clear();
    for (const game of message.games) games.set(game.slug, game);
    const select = document.getElementById("game");
    const chosen = select.value;
    select.replaceChildren(...message.games.map((game) => el("option", { value: game.slug, selected: game.slug === chosen }, game.name)));
    renderOptions();
    document.getElementById("create-room").disabled = games.size === 0;
    replaceOnline(message.online, message.online_count);
    rooms.clear();
    for (const room of message.rooms) rooms.set(room.id, room);
    invitations.clear();
    for (const item of message.invitations) invitations.set(item.id, item);
    renderOnline();
    renderRooms();
    renderInvitations();
  })
  .on("lobby.presence", (message) => {
    if (message.changes) {
      for (const change of message.changes) {
        if (change.online) arrived(change.user);
        else online.delete(change.user.id);
      }
      onlineCount = message.online_count;
    } else {
      replaceOnline(message.online, message.online_count);
    }
    renderOnline();
  })
  .on("lobby.room", (message) => {
    const room = message.room;
    if (room.public && room.status !== "finished") rooms.set(room.id, room);
    else rooms.delete(room.id);
    renderRooms();
  })
  .on("lobby.created", (message) => location.assign(message.url))
  .on("invitation.sent", (message) => {
    rememberSentInvitation(message.invitation.id);
    upsertInvitation(message.invitation);
  });

document.getElementById("game").addEventListener("change", renderOptions);
document.getElementById("create").addEventListener("submit", (event) => {
  event.preventDefault();
  socket.send({
    type: "lobby.create",
    game: document.getElementById("game").value,
    options: chosenOptions(),
    public: document.getElementById("public").checked,
  });
});
document.getElementById("play-bot").addEventListener("click", () => {
  socket.send({
    type: "lobby.play_bot",
    game: document.getElementById("game").value,
    level: document.getElementById("bot-level").value,
    options: chosenOptions(),
  });
});
socket.connect();
