// Notifications on every page: toasts, the inbox behind the bell, errors, and invitation answers.

import { el, showConnection } from "./socket.js";

const SENT_KEY = "parlor.sentInvitations";
const unread = new Map();
const invitationToasts = new Map();

export function toast(text, { kind = "info", actions = [], timeout = 6000 } = {}) {
  const box = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, el("span", {}, text));
  for (const [label, handler] of actions) {
    box.append(el("button", { type: "button", onclick: () => { handler(); box.remove(); } }, label));
  }
  box.append(el("button", { type: "button", class: "close", "aria-label": "Dismiss", onclick: () => box.remove() }, "×"));
  document.getElementById("toasts").append(box);
  if (timeout) setTimeout(() => box.remove(), timeout);
  return box;
}

export function rememberSentInvitation(id) {
  const sent = new Set(JSON.parse(sessionStorage.getItem(SENT_KEY) ?? "[]"));
  sent.add(id);
  sessionStorage.setItem(SENT_KEY, JSON.stringify([...sent]));
}

function sentHere(id) {
  return new Set(JSON.parse(sessionStorage.getItem(SENT_KEY) ?? "[]")).has(id);
}

function renderInbox() {
  const list = document.getElementById("inbox-list");
  list.replaceChildren(...[...unread.values()].map((item) => el("li", { class: `note ${item.kind}` }, item.text)));
  document.getElementById("inbox-empty").hidden = unread.size > 0;
  const count = document.getElementById("bell-count");
  count.textContent = String(unread.size);
  count.hidden = unread.size === 0;
}

function invitationActions(socket, invitation) {
  return [
    ["Accept", () => socket.send({ type: "invitation.accept", id: invitation.id })],
    ["Decline", () => socket.send({ type: "invitation.decline", id: invitation.id })],
  ];
}

function received(socket, item, { live }) {
  unread.set(item.id, item);
  renderInbox();
  if (item.kind === "invitation" && item.data.invitation) {
    const invitation = item.data.invitation;
    const box = toast(item.text, { kind: "invitation", actions: invitationActions(socket, invitation), timeout: 0 });
    invitationToasts.set(invitation.id, { box, notification: item.id });
    return;
  }
  if (item.kind === "invitation.accepted" && item.data.url) {
    if (live && sentHere(item.data.invitation.id)) {
      socket.send({ type: "notify.read", ids: [item.id] });
      location.assign(item.data.url);
      return;
    }
    toast(item.text, { kind: "success", actions: [["Go to the game", () => location.assign(item.data.url)]], timeout: 0 });
    return;
  }
  toast(item.text, { kind: item.kind === "announcement" ? "announcement" : "info", timeout: live ? 8000 : 0 });
}

// An invitation answered (on any tab) no longer needs its toast.
function settle(invitation) {
  const shown = invitationToasts.get(invitation.id);
  if (invitation.status === "pending" || shown === undefined) return;
  shown.box.remove();
  unread.delete(shown.notification);
  invitationToasts.delete(invitation.id);
  renderInbox();
}

// Register the handlers every Parlor socket needs; pages add their own on top.
export function attachCommon(socket, { onInvitation = () => {} } = {}) {
  showConnection(socket);
  socket
    .on("notify", (message) => {
      received(socket, message, { live: true });
      if (message.data?.invitation) onInvitation(message.data.invitation);
    })
    .on("notify.unread", (message) => {
      unread.clear();
      for (const item of [...message.items].reverse()) received(socket, item, { live: false });
    })
    .on("error", (message) => toast(message.message, { kind: "error" }))
    .on("pong", () => {})
    .on("invitation.update", (message) => {
      settle(message.invitation);
      onInvitation(message.invitation);
    })
    .on("invitation.accepted", (message) => location.assign(message.invitation.room_url));
  const inbox = document.getElementById("inbox");
  document.getElementById("bell")?.addEventListener("click", () => { inbox.hidden = !inbox.hidden; });
  document.getElementById("inbox-clear").addEventListener("click", () => {
    socket.send({ type: "notify.read", ids: [...unread.keys()] });
    unread.clear();
    renderInbox();
    for (const node of document.querySelectorAll(".toast")) node.remove();
  });
  // Keep idle proxies from closing the socket.
  setInterval(() => socket.send({ type: "ping" }), 25000);
  return socket;
}
