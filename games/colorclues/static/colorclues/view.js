// Color Clues' board: 16 × 30 colours, pieces in player colours, the cue giver's card, the reveal and scores.
// A tap or click selects a square (its coordinate and colour name are shown); "Place" or a double-click plays it.

import { el } from "../core/socket.js";

document.head.append(el("link", { rel: "stylesheet", href: new URL("./colorclues.css", import.meta.url).href }));
const boardData = fetch("/colorclues/board.json").then((response) => response.json());

const PHASES = {
  cue1: "first cue", guess1: "first guesses", cue2: "second cue", guess2: "second guesses", reveal: "reveal", over: "game over",
};

export function mount(host, { send }) {
  let data = null;
  let latest = null;
  let selected = null;
  let choice = 0;
  const squares = [];

  const info = el("div", { class: "cc-info" });
  const cues = el("p", { class: "cc-cues", id: "cues", "aria-live": "polite" });
  const giver = el("div", { class: "cc-giver", id: "giver-panel", hidden: true });
  const grid = el("div", { class: "cc-grid", role: "grid", "aria-label": "Colour board" });
  const frame = el("div", { class: "cc-frame", hidden: true });
  const ring = el("div", { class: "cc-ring", hidden: true });
  const hover = el("p", { class: "cc-hover", id: "hover", "aria-live": "polite" }, "Point at a square to see its coordinate and colour name.");
  const placeButton = el("button", { type: "button", id: "place", class: "primary", hidden: true, onclick: () => place(selected) });
  const breakdown = el("div", { class: "cc-breakdown", id: "breakdown", hidden: true });
  const scores = el("ol", { class: "cc-scores", id: "scores" });
  const pieceSelect = el("select", { id: "piece", "aria-label": "Your piece colour", onchange: () => send({ type: "piece", colour: pieceSelect.value }) });
  const pieceRow = el("label", { class: "check", hidden: true }, "Your pieces:", pieceSelect);
  host.replaceChildren(el("div", { class: "cc" },
    info, cues, giver,
    el("div", { class: "cc-scroll" }, grid),
    el("div", { class: "row" }, hover, placeButton),
    breakdown,
    el("div", { class: "row cc-side" }, el("div", {}, el("h2", {}, "Scores"), scores), pieceRow),
  ));

  function build() {
    grid.style.setProperty("--columns", data.columns);
    grid.append(el("span", { class: "cc-corner" }));
    for (let column = 1; column <= data.columns; column += 1) grid.append(el("span", { class: "cc-head" }, String(column)));
    for (let row = 0; row < data.rows; row += 1) {
      grid.append(el("span", { class: "cc-head" }, "ABCDEFGHIJKLMNOP"[row]));
      for (let column = 0; column < data.columns; column += 1) {
        const index = row * data.columns + column;
        const square = el("button", {
          type: "button", class: "cc-square", role: "gridcell", style: `background:${data.colours[index]}`,
          "aria-label": `${data.labels[index]}, ${data.names[index]}`, dataset: { square: index, label: data.labels[index] },
          onclick: () => select(index), ondblclick: () => place(index),
          onpointerenter: () => describe(index),
        });
        squares.push(square);
        grid.append(square);
      }
    }
    grid.append(frame, ring);
  }

  function describe(index) {
    hover.textContent = `${data.labels[index]}: ${data.names[index]}`;
  }

  function myTurnToPlace() {
    if (latest === null) return false;
    const { room, view, you } = latest;
    return room.status === "playing" && view.phase.startsWith("guess") && view.turn === you.seat;
  }

  function select(index) {
    describe(index);
    selected = index;
    for (const square of squares) square.classList.toggle("selected", Number(square.dataset.square) === index);
    renderPlace();
  }

  function place(index) {
    if (index === null || !myTurnToPlace()) return;
    send({ type: "place", square: index });
    selected = null;
    for (const square of squares) square.classList.remove("selected");
    renderPlace();
  }

  function renderPlace() {
    const can = myTurnToPlace() && selected !== null;
    placeButton.hidden = !can;
    if (can) placeButton.textContent = `Place a piece on ${data.labels[selected]}`;
  }

  // The frame (3 × 3) and ring (5 × 5) around a square, clipped to the board, on the same grid.
  function showFrame(node, target, reach) {
    const row = Math.floor(target / data.columns);
    const column = target % data.columns;
    const top = Math.max(0, row - reach);
    const left = Math.max(0, column - reach);
    const bottom = Math.min(data.rows - 1, row + reach);
    const right = Math.min(data.columns - 1, column + reach);
    node.style.gridRow = `${top + 2} / ${bottom + 3}`;
    node.style.gridColumn = `${left + 2} / ${right + 3}`;
    node.hidden = false;
  }

  function nameOf(room, seat) {
    return room.seats[seat]?.user.name ?? `Player ${seat + 1}`;
  }

  function renderGiver(view, room, you) {
    const mine = room.status === "playing" && view.giver === you.seat && view.phase.startsWith("cue");
    giver.hidden = !(view.card && view.giver === you.seat && room.status === "playing" && view.phase !== "reveal");
    if (giver.hidden) return;
    const input = el("input", { id: "cue", maxlength: 60, autocomplete: "off", placeholder: view.phase === "cue1" ? "one word" : "up to two words", disabled: !mine });
    const give = el("button", { type: "submit", class: "primary", disabled: !mine }, "Give cue");
    const cardView = el("div", { class: "cc-card", role: "radiogroup", "aria-label": "Your card" }, view.card.map((entry, index) => {
      const chosen = view.target ? view.target.square === entry.square : index === choice;
      return el("button", {
        type: "button", role: "radio", class: `cc-card-colour${chosen ? " chosen" : ""}`, "aria-checked": String(chosen),
        style: `--swatch:${entry.hex}`, disabled: view.phase !== "cue1",
        onclick: () => { choice = index; render(); },
      }, el("span", { class: "cc-swatch" }), `${entry.label} · ${entry.name}`);
    }));
    const form = el("form", { class: "row", onsubmit: (event) => {
      event.preventDefault();
      const cue = input.value.trim();
      if (!cue) return;
      send(view.phase === "cue1" ? { type: "clue", card: choice, cue } : { type: "clue", cue });
    } }, input, give, view.phase === "cue2" && view.allow_pass ? el("button", { type: "button", id: "pass", onclick: () => send({ type: "pass" }) }, "Pass") : null);
    const focused = document.activeElement?.id === "cue";
    const typed = giver.querySelector("#cue")?.value ?? "";
    giver.replaceChildren(
      el("h2", {}, view.phase === "cue1" ? "You are the cue giver: pick a colour, then give a one-word cue" : view.phase === "cue2" ? "Give a second cue (up to two words) or pass" : "Your colour"),
      cardView, mine ? form : null,
    );
    if (mine && typed) input.value = typed;
    if (mine && focused) input.focus();
  }

  function render() {
    if (data === null || latest === null) return;
    const { room, view, you } = latest;
    if (view === null) {
      info.textContent = "The board is ready: the game starts when 3 to 10 players are seated and someone presses start.";
      return;
    }
    const giverName = nameOf(room, view.giver);
    const turnName = view.turn === null ? null : nameOf(room, view.turn);
    info.replaceChildren(
      el("strong", {}, `Round ${Math.min(view.round, view.rounds)} of ${view.rounds}`), " · ",
      `cue giver: ${view.giver === you.seat ? "you" : giverName}`, " · ", PHASES[view.phase] ?? view.phase,
      turnName && view.phase.startsWith("guess") ? ` · ${view.turn === you.seat ? "your turn to place a piece" : `${turnName} is placing`}` : "",
    );
    const waiting = view.giver === you.seat ? "" : `Waiting for ${giverName}'s cue…`;
    const given = view.cues.map((cue) => `“${cue}”`).join(" then ");
    cues.textContent = view.cues.length ? `Cues: ${given}${view.passed ? " (second cue passed)" : ""}` : (view.phase === "cue1" ? waiting : "");
    for (const square of squares) {
      square.replaceChildren();
      square.classList.remove("target");
    }
    const pieces = view.phase === "reveal" && view.reveal ? view.reveal.pieces ?? view.pieces : view.pieces;
    pieces.forEach((owned, seat) => {
      for (const index of owned) {
        squares[index].append(el("span", { class: "cc-piece", style: `--piece:${view.colours[seat].hex}`, title: nameOf(room, seat) }));
      }
    });
    const reveal = view.phase === "reveal" || room.status === "finished" ? view.reveal : null;
    frame.hidden = ring.hidden = true;
    breakdown.hidden = reveal === null;
    if (reveal) {
      const target = reveal.target.square;
      squares[target].classList.add("target");
      showFrame(ring, target, 2);
      showFrame(frame, target, 1);
      frame.classList.remove("drawn");
      void frame.offsetWidth;
      frame.classList.add("drawn");
      breakdown.replaceChildren(
        el("h2", {}, `The colour was ${reveal.target.label} (${reveal.target.name})`),
        el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Player"), el("th", {}, "Square"), el("th", {}, "Distance"), el("th", {}, "Points"))),
          el("tbody", {}, reveal.breakdown.map((row) => el("tr", {}, el("td", {}, nameOf(room, row.seat)), el("td", {}, row.label), el("td", {}, String(row.distance)), el("td", {}, `+${row.points}`))))),
        el("p", {}, `${nameOf(room, reveal.giver)} (cue giver) scores +${reveal.giver_points}.`),
      );
    }
    scores.replaceChildren(...view.scores.map((score, seat) => el("li", { class: seat === you.seat ? "you" : "" },
      el("span", { class: "cc-dot", style: `--piece:${view.colours[seat].hex}` }), `${nameOf(room, seat)}: ${score}`)));
    pieceRow.hidden = you.seat === null || room.status !== "playing";
    if (you.seat !== null && document.activeElement !== pieceSelect) {
      const taken = new Set(view.colours.map((colour, seat) => (seat === you.seat ? null : colour.name)));
      pieceSelect.replaceChildren(...view.palette.filter(([name]) => !taken.has(name)).map(([name]) => el("option", { value: name }, name)));
      pieceSelect.value = view.colours[you.seat].name;
    }
    grid.classList.toggle("placing", myTurnToPlace());
    renderGiver(view, room, you);
    renderPlace();
  }

  boardData.then((loaded) => {
    data = loaded;
    build();
    render();
  });

  return {
    status({ room, view, you }) {
      if (room.status !== "playing" || view === null) return null;
      if (view.phase === "reveal") return "Reveal: see how close everyone was.";
      if (view.turn === you.seat) return view.phase.startsWith("cue") ? "Your turn: give a cue." : "Your turn: place a piece.";
      return null;
    },
    update(state) {
      latest = state;
      render();
    },
  };
}
