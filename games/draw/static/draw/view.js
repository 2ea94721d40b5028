// Draw Together's board: a shared canvas of fixed logical size, your own prompt, tools, live cursors.
// Points are batched every BATCH_MS into one "draw" message (the style only with a stroke's first batch);
// the server's events are applied incrementally: batches arrive as [seat, stroke, points(, color, size, tool)].

import { el } from "../core/socket.js";

const BATCH_MS = 40;
const CURSOR_MS = 100;
const MAX_NUMBERS = 500;
const SWATCHES = ["#1f2328", "#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#00838f", "#1565c0", "#6a1b9a", "#ad1457", "#6d4c41", "#9e9e9e", "#ffffff"];
const SEAT_COLOURS = ["#3553d6", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#6d4c41"];
const QUIET_ERRORS = ["That stroke was undone or cleared", "That stroke has ended"];

const css = el("link", { rel: "stylesheet", href: new URL("./draw.css", import.meta.url).href });
document.head.append(css);

export function mount(host, { send }) {
  let width = 1200;
  let height = 800;
  let strokes = [];          // [{seat, stroke, color, size, tool, points}], in drawing order
  let seat = null;
  let playing = false;
  let nextStroke = 0;
  let drawing = null;        // the stroke being drawn here: {stroke, color, size, tool, last}
  let pending = [];          // points not yet sent
  let lastCursor = 0;
  let tool = "brush";
  let colour = SWATCHES[0];
  let size = 6;
  let names = [];
  const local = new Set();   // ids of strokes drawn in this tab (already painted when their echo comes)

  const canvas = el("canvas", { class: "draw-canvas", "aria-label": "Shared drawing" });
  const ctx = canvas.getContext("2d");
  const cursors = el("div", { class: "draw-cursors", "aria-hidden": "true" });
  const stage = el("div", { class: "draw-stage" }, canvas, cursors);
  const theme = el("p", { class: "draw-theme" });
  const prompt = el("p", { class: "draw-prompt", id: "prompt", "aria-live": "polite" });
  const part = el("p", { class: "muted small", id: "part" });
  const round = el("p", { class: "muted small", id: "round" });
  const done = el("div", { class: "draw-done", id: "done", hidden: true });
  const colourInput = el("input", { type: "color", value: colour, "aria-label": "Brush colour", oninput: () => pick(colourInput.value) });
  const swatches = SWATCHES.map((hex) => el("button", { type: "button", class: "swatch", title: hex, "aria-label": `colour ${hex}`, style: `background:${hex}`, onclick: () => pick(hex) }));
  const sizeInput = el("input", { type: "range", min: 1, max: 64, value: size, "aria-label": "Brush size", oninput: () => { size = Number(sizeInput.value); } });
  const brushButton = el("button", { type: "button", class: "tool", "aria-pressed": "true", onclick: () => choose("brush") }, "Brush");
  const eraserButton = el("button", { type: "button", class: "tool", "aria-pressed": "false", onclick: () => choose("eraser") }, "Eraser");
  const undoButton = el("button", { type: "button", id: "undo", title: "Undo your last stroke (Ctrl+Z)", onclick: () => send({ type: "undo" }) }, "Undo");
  const clearButton = el("button", { type: "button", id: "clear", onclick: () => {
    if (confirm("Clear the whole picture for everyone?")) send({ type: "clear" });
  } }, "Clear");
  const tools = el("div", { class: "draw-tools row" }, ...swatches, colourInput, el("label", { class: "check" }, "size", sizeInput), brushButton, eraserButton, undoButton, clearButton);
  host.replaceChildren(el("div", { class: "draw" }, el("div", { class: "draw-brief" }, theme, prompt, part, round), tools, stage, done));

  function pick(hex) {
    colour = hex;
    colourInput.value = hex;
    choose("brush");
  }

  function choose(name) {
    tool = name;
    brushButton.setAttribute("aria-pressed", String(name === "brush"));
    eraserButton.setAttribute("aria-pressed", String(name === "eraser"));
  }

  // Canvas geometry: logical units scaled to the element's size and the device pixel ratio.
  function fit() {
    const box = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(box.width * ratio));
    canvas.height = Math.max(1, Math.round(box.height * ratio));
    ctx.setTransform(canvas.width / width, 0, 0, canvas.height / height, 0, 0);
    redraw();
  }
  new ResizeObserver(fit).observe(canvas);

  function redraw() {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.restore();
    for (const stroke of strokes) paint(stroke, stroke.points, null);
  }

  // Paint `points` of a stroke, continuing from `from` (the stroke's previous last point) if given.
  function paint(stroke, points, from) {
    ctx.strokeStyle = ctx.fillStyle = stroke.tool === "eraser" ? "#ffffff" : stroke.color;
    ctx.lineWidth = stroke.size;
    ctx.lineCap = ctx.lineJoin = "round";
    const path = from ? [...from, ...points] : points;
    if (path.length === 2) {
      ctx.beginPath();
      ctx.arc(path[0], path[1], stroke.size / 2, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(path[0], path[1]);
    for (let i = 2; i < path.length; i += 2) ctx.lineTo(path[i], path[i + 1]);
    ctx.stroke();
  }

  function find(owner, id) {
    for (let i = strokes.length - 1; i >= 0; i -= 1) if (strokes[i].seat === owner && strokes[i].stroke === id) return strokes[i];
    return null;
  }

  function batch([owner, id, points, color, size, tool]) {
    apply({ type: "draw", seat: owner, stroke: id, points, color, size, tool });
  }

  function apply(event) {
    if (event.type === "draw") {
      let stroke = find(event.seat, event.stroke);
      const mine = event.seat === seat && local.has(event.stroke);
      if (stroke === null) {
        stroke = { seat: event.seat, stroke: event.stroke, color: event.color ?? "#1f2328", size: event.size ?? 6, tool: event.tool ?? "brush", points: [] };
        strokes.push(stroke);
      }
      const from = stroke.points.length ? stroke.points.slice(-2) : null;
      stroke.points.push(...event.points);
      if (!mine) paint(stroke, event.points, from);
      showCursor(event.seat, event.points.at(-2), event.points.at(-1));
    } else if (event.type === "undo") {
      strokes = strokes.filter((s) => !(s.seat === event.seat && s.stroke === event.stroke));
      redraw();
    } else if (event.type === "clear") {
      strokes = [];
      if (drawing) {
        drawing.stroke = nextStroke++;  // the rest of this drag becomes a new stroke
        local.add(drawing.stroke);
      }
      redraw();
    } else if (event.type === "cursor") {
      showCursor(event.seat, event.x, event.y);
    }
  }

  const cursorNodes = new Map();
  function showCursor(owner, x, y) {
    if (owner === seat) return;
    let node = cursorNodes.get(owner);
    if (node === undefined) {
      node = el("span", { class: "draw-cursor", style: `--seat:${SEAT_COLOURS[owner % SEAT_COLOURS.length]}` }, names[owner] ?? `Player ${owner + 1}`);
      cursorNodes.set(owner, node);
      cursors.append(node);
    }
    node.hidden = x < 0;
    node.classList.toggle("flip", x > width * 0.8);
    node.style.left = `${(x / width) * 100}%`;
    node.style.top = `${(y / height) * 100}%`;
  }

  // Local input: draw at once here, send the points in batches.
  function logical(event) {
    const box = canvas.getBoundingClientRect();
    const x = Math.round(((event.clientX - box.left) / box.width) * width);
    const y = Math.round(((event.clientY - box.top) / box.height) * height);
    return [Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))];
  }

  function flush() {
    if (drawing === null || pending.length === 0) return;
    const batch = { type: "draw", stroke: drawing.stroke, points: pending };
    if (drawing.sent !== drawing.stroke) Object.assign(batch, { color: drawing.color, size: drawing.size, tool: drawing.tool });
    send(batch);
    drawing.sent = drawing.stroke;
    pending = [];
  }
  setInterval(flush, BATCH_MS);

  function add(point) {
    const last = drawing.last;
    if (last && last[0] === point[0] && last[1] === point[1]) return;
    paint(drawing, point, last);
    drawing.last = point;
    pending.push(...point);
    if (pending.length >= MAX_NUMBERS) flush();
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (!playing || event.button > 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = { stroke: nextStroke++, color: colour, size, tool, last: null };
    local.add(drawing.stroke);
    add(logical(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (drawing !== null) {
      for (const sample of event.getCoalescedEvents?.() ?? [event]) add(logical(sample));
      return;
    }
    if (!playing || performance.now() - lastCursor < CURSOR_MS) return;
    lastCursor = performance.now();
    const [x, y] = logical(event);
    send({ type: "cursor", x, y });
  });
  const end = () => {
    flush();
    drawing = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => {
    if (drawing === null && playing) send({ type: "cursor", x: -1, y: -1 });
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "z" && playing) {
      event.preventDefault();
      send({ type: "undo" });
    }
  });

  function showBrief(view, room) {
    theme.textContent = view ? `Theme: ${view.theme}` : "";
    if (view === null) {
      prompt.textContent = room.status === "waiting" ? "The prompts are ready: start when everyone is here." : "";
      part.textContent = round.textContent = "";
      return;
    }
    prompt.textContent = view.finished ? "The picture is finished!" : (view.prompt ?? "You are watching.");
    part.textContent = view.part ? `You draw ${view.part}.` : "";
    round.textContent = view.finished ? "" : `Prompt ${view.round + 1} of ${view.rounds}`;
    done.hidden = !view.finished;
    if (view.finished && view.all_prompts) {
      done.replaceChildren(
        el("h2", {}, "Who drew what"),
        el("ul", { class: "prompt-list" }, view.all_prompts.map((entry) =>
          el("li", {}, el("strong", {}, names[entry.seat] ?? `Player ${entry.seat + 1}`), ` drew ${entry.part}: ${entry.prompts.join(" → ")}`))),
        el("p", {}, el("a", { href: "/draw/gallery/", id: "gallery-link" }, "See it in the gallery")),
      );
    }
  }

  return {
    types: ["draw.events"],
    handle(message) {
      for (const entry of message.d ?? []) batch(entry);
      for (const event of message.events ?? []) apply(event);
    },
    error(message) {
      if (QUIET_ERRORS.some((text) => message.message.startsWith(text))) {
        redraw();
        return true;
      }
      if (drawing !== null || message.message.includes("picture")) redraw();
      return false;
    },
    status({ room, view, you }) {
      if (room.status !== "playing" || view === null) return null;
      return you.seat === null ? `Watching: ${view.theme}` : "Draw your part: the prompt is above the canvas.";
    },
    update({ room, view, you, events }) {
      names = room.seats.map((s) => s.user.name);
      seat = you.seat;
      playing = room.status === "playing" && seat !== null && view !== null && !view.finished;
      canvas.classList.toggle("live", playing);
      for (const button of [undoButton, clearButton, ...swatches, brushButton, eraserButton]) button.disabled = !playing;
      if (view !== null) {
        if (view.width !== width || view.height !== height) {
          width = view.width;
          height = view.height;
          canvas.style.aspectRatio = `${width} / ${height}`;
        }
        if (view.strokes !== undefined) {
          strokes = view.strokes.map((s) => ({ ...s, points: [...s.points] }));
          if (view.next_stroke !== null && drawing === null) nextStroke = Math.max(nextStroke, view.next_stroke);
          fit();
        } else {
          for (const event of events) apply(event);
        }
      }
      showBrief(view, room);
    },
  };
}
