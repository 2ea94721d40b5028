// Connect Four's board: seven column buttons; a click sends {"type": "play", "column": c}.

import { el } from "../core/socket.js";

const COLUMNS = 7;
const ROWS = 6;
const COLORS = ["red", "yellow"];

export function mount(host, { send }) {
  const columns = Array.from({ length: COLUMNS }, (_, column) => {
    const cells = Array.from({ length: ROWS }, (_, row) => el("span", { class: "c4-cell", dataset: { row } }));
    return el("button", {
      type: "button", class: "c4-column", dataset: { column }, "aria-label": `column ${column + 1}`,
      onclick: () => send({ type: "play", column }),
    }, cells.slice().reverse());
  });
  host.replaceChildren(el("div", { class: "c4", role: "grid", "aria-label": "Connect Four board" }, columns));
  return {
    update({ view, you, room }) {
      const board = view?.columns ?? Array.from({ length: COLUMNS }, () => []);
      const line = new Set((view?.line ?? []).map(([c, r]) => `${c},${r}`));
      const last = view?.moves?.at(-1);
      const myTurn = room.status === "playing" && room.turn.includes(you.seat);
      host.firstChild.classList.toggle("my-turn", myTurn);
      host.firstChild.dataset.me = you.seat === null ? "" : COLORS[you.seat];
      columns.forEach((button, column) => {
        button.disabled = !myTurn || board[column].length >= ROWS;
        for (const cell of button.querySelectorAll(".c4-cell")) {
          const row = Number(cell.dataset.row);
          const seat = board[column][row];
          cell.dataset.color = seat === undefined ? "" : COLORS[seat];
          cell.classList.toggle("win", line.has(`${column},${row}`));
          cell.classList.toggle("last", last !== undefined && last[1] === column && last[2] === row);
        }
      });
    },
  };
}
