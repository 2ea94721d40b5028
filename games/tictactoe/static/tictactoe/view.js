// Tic-tac-toe's board: nine buttons; a click sends {"type": "mark", "cell": n}.

import { el } from "../core/socket.js";

const SYMBOLS = ["X", "O"];

export function mount(host, { send }) {
  const cells = Array.from({ length: 9 }, (_, cell) =>
    el("button", { type: "button", class: "ttt-cell", "aria-label": `cell ${cell + 1}`, dataset: { cell }, onclick: () => send({ type: "mark", cell }) }));
  const grid = el("div", { class: "ttt", role: "grid", "aria-label": "Tic-tac-toe board" }, cells);
  host.replaceChildren(grid);
  return {
    update({ view, you, room }) {
      const board = view?.board ?? Array(9).fill(null);
      const line = new Set(view?.line ?? []);
      const last = view?.moves?.at(-1);
      const myTurn = room.status === "playing" && room.turn.includes(you.seat);
      cells.forEach((button, cell) => {
        const mark = board[cell];
        button.textContent = mark === null ? "" : SYMBOLS[mark];
        button.dataset.mark = mark === null ? "" : SYMBOLS[mark];
        button.classList.toggle("win", line.has(cell));
        button.classList.toggle("last", cell === last);
        button.disabled = !myTurn || mark !== null;
      });
    },
  };
}
