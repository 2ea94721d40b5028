// A finished match, move by move: the game's own board script draws each stored position.

import { el } from "../core/socket.js";

const root = document.getElementById("replay");
const data = JSON.parse(document.getElementById("replay-data").textContent);
const game = await import(root.dataset.script);
const board = game.mount(document.getElementById("board"), { send: () => false });
const last = data.views.length - 1;
const slider = document.getElementById("step");
slider.max = String(last);
let step = last;
let timer = null;

function describeResult(result) {
  if (result.draw) return `Draw: ${result.reason}.`;
  const names = result.winners.map((seat) => `${data.seats[seat].user.name} (${data.seats[seat].label})`);
  return `${names.join(", ")} won: ${result.reason}.`;
}

function show(next) {
  step = Math.max(0, Math.min(last, next));
  slider.value = String(step);
  const finished = step === last;
  board.update({
    room: { status: finished ? "finished" : "playing", turn: [], seats: data.seats, result: data.result },
    you: { seat: null, seated: false },
    view: data.views[step],
    events: [],
  });
  document.getElementById("status").textContent = finished
    ? describeResult(data.result)
    : step === 0 ? "Before the first move." : `After move ${step} of ${last}: ${data.moves[step - 1]}`;
  for (const [index, item] of [...document.querySelectorAll("#moves li")].entries()) {
    item.classList.toggle("current", index === step - 1);
  }
}

function stop() {
  clearInterval(timer);
  timer = null;
  document.getElementById("play").textContent = "Play";
}

document.getElementById("seats").replaceChildren(...data.seats.map((seat) => el("li", {}, el("span", { class: "label" }, seat.label), " ", seat.user.name)));
document.getElementById("moves").replaceChildren(...data.moves.map((move, index) => el("li", {}, el("button", { type: "button", class: "link", onclick: () => show(index + 1) }, move))));
document.getElementById("first").addEventListener("click", () => show(0));
document.getElementById("prev").addEventListener("click", () => show(step - 1));
document.getElementById("next").addEventListener("click", () => show(step + 1));
document.getElementById("last").addEventListener("click", () => show(last));
slider.addEventListener("input", () => show(Number(slider.value)));
document.getElementById("play").addEventListener("click", () => {
  if (timer) return stop();
  if (step === last) show(0);
  document.getElementById("play").textContent = "Pause";
  timer = setInterval(() => (step >= last ? stop() : show(step + 1)), 700);
});
show(last);
