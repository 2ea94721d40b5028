"""Draw Together with 8 players drawing at once: bytes/s per player against the seed's design, and stroke delay.

Trace: every player gets a deterministic pointer trace (seeded random smooth curves on the 1200×800 canvas,
pointer events at 60 Hz, strokes of 1–3 s at 250–700 px/s, gaps of 0.2–0.6 s hovering to the next stroke).
It is fed through a model of games/draw/static/draw/view.js: points rounded to ints, repeats dropped, sent as
one {"type":"draw",...} batch per 40 ms tick (setInterval, random phase per player) and at pointerup, and while
hovering a {"type":"cursor"} at most every 100 ms. Stroke ids count up from 0 per player.

Parlor (measured): uvicorn on a fresh database (tests.server.LiveServer), pinned to CPU 0; this process, the
8 clients on one asyncio loop, pins itself to CPU 1. The room is created on /ws/lobby/, everyone sits, the
first player starts it, then each plays its schedule. After --warmup s, --seconds s are measured: WebSocket
payload bytes plus frame headers (client→server masked: 2+4 B below 126 B, 4+4 below 64 KiB; server→client
2 or 4; control frames are not counted), messages, and for every batch sent in the window its delay from
the send to its arrival at each of the other players (matched by seat, stroke id and order within the
stroke). Each batch is journaled (a durable write) before it is fanned out, so the delay includes that.

Seed (computed from the very same trace, not run): ../shared/seeds/000_d71a836aa2ebbbf8.txt sends, for every
mousemove while the button is down and at mouseup, JSON.stringify({color, x, y}) with client coordinates
(modelled on a 1/--seed-dpr px grid, so 123.5 or 123), and its consumer json.loads it and group_sends
json.dumps(message) (Python's default ", " and ": " separators) to every socket, the sender's included.
Its 1 Hz countdown message is left out.

    .venv/bin/python benchmarks/draw_traffic.py --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.loadtest.client import cpu0_busy, cpu_seconds, percentile  # noqa: E402
from tests.clients import expect, guest_cookie  # noqa: E402
from tests.server import LiveServer  # noqa: E402

WIDTH, HEIGHT, MARGIN = 1200, 800, 20
FPS, BATCH, CURSOR = 60, 0.040, 0.100
COLOURS = ["#1f2328", "#c62828", "#ef6c00", "#2e7d32", "#00838f", "#1565c0", "#6a1b9a", "#ad1457"]
Sample = tuple[float, float, float, str]  # time, x, y, "down" | "move" | "up" | "hover"
Scheduled = tuple[float, str, dict[str, Any]]  # time, encoded text, message


def header(size: int, masked: bool) -> int:
    """Bytes a WebSocket frame adds to a payload of ``size`` bytes (client frames carry a 4-byte mask)."""
    return (2 if size < 126 else 4 if size < 65536 else 10) + (4 if masked else 0)


def clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def trace(rng: random.Random, until: float) -> list[Sample]:
    """Pointer events at 60 Hz: smooth strokes of 1–3 s, each followed by a short hover to the next one."""
    samples: list[Sample] = []
    t, x, y = rng.uniform(0.1, 0.6), rng.uniform(100, WIDTH - 100), rng.uniform(100, HEIGHT - 100)
    while t < until:
        frames, speed = round(rng.uniform(1, 3) * FPS), rng.uniform(250, 700) / FPS
        heading, turn = rng.uniform(0, 2 * math.pi), 0.0
        for frame in range(frames):
            samples.append((t, x, y, "down" if frame == 0 else "move"))
            turn = clamp(turn + rng.gauss(0, 40) / FPS, -6, 6)  # rad/s, a random walk: curves, not zigzags
            heading += turn / FPS
            if not MARGIN <= x + speed * math.cos(heading) <= WIDTH - MARGIN:
                heading = math.pi - heading
            if not MARGIN <= y + speed * math.sin(heading) <= HEIGHT - MARGIN:
                heading = -heading
            t += 1 / FPS
            if frame < frames - 1:
                x = clamp(x + speed * math.cos(heading), MARGIN, WIDTH - MARGIN)
                y = clamp(y + speed * math.sin(heading), MARGIN, HEIGHT - MARGIN)
        samples.append((t, x, y, "up"))
        gap = round(rng.uniform(0.2, 0.6) * FPS)
        tx = clamp(x + rng.gauss(0, 150), MARGIN, WIDTH - MARGIN)
        ty = clamp(y + rng.gauss(0, 150), MARGIN, HEIGHT - MARGIN)
        for frame in range(1, gap):
            samples.append((t + frame / FPS, x + (tx - x) * frame / gap, y + (ty - y) * frame / gap, "hover"))
        t, x, y = t + gap / FPS, tx, ty
    return samples


def page(samples: list[Sample], colour: str, phase: float) -> list[Scheduled]:
    """What view.js sends for these pointer events: a draw batch per 40 ms tick and at pointerup (the style
    with a stroke's first batch only), and cursors while hovering."""
    out: list[tuple[float, dict[str, Any]]] = []
    pending: list[int] = []
    stroke, next_stroke, last, last_cursor, tick = -1, 0, (-1, -1), -math.inf, phase
    styled = -1

    def flush(at: float) -> None:
        nonlocal styled
        if stroke >= 0 and pending:
            batch: dict[str, Any] = {"type": "draw", "stroke": stroke, "points": list(pending)}
            if styled != stroke:
                batch |= {"color": colour, "size": 6, "tool": "brush"}
                styled = stroke
            out.append((at, batch))
            pending.clear()

    for t, x, y, kind in samples:
        while tick < t:
            flush(tick)
            tick += BATCH
        point = (int(clamp(round(x), 0, WIDTH)), int(clamp(round(y), 0, HEIGHT)))
        if kind == "down":
            stroke, next_stroke, last = next_stroke, next_stroke + 1, (-1, -1)
        if kind in ("down", "move") and point != last:
            pending.extend(point)
            last = point
        elif kind == "up":
            flush(t)
            stroke = -1
        elif kind == "hover" and t - last_cursor >= CURSOR - 1e-6:
            out.append((t, {"type": "cursor", "x": point[0], "y": point[1]}))
            last_cursor = t
    return [(t, json.dumps(message, separators=(",", ":")), message) for t, message in out]


def seed_messages(samples: list[Sample], colour: str, dpr: float) -> list[tuple[float, str, str]]:
    """The seed's (time, sent text, echoed text) per mousemove with the button down and per mouseup."""

    def client(value: float) -> float | int:
        snapped = round(value * dpr) / dpr
        return int(snapped) if snapped.is_integer() else snapped  # JSON.stringify writes 123, not 123.0

    out = []
    for t, x, y, kind in samples:
        if kind in ("move", "up"):
            up = json.dumps({"color": colour, "x": client(x), "y": client(y)}, separators=(",", ":"))
            out.append((t, up, json.dumps(json.loads(up))))
    return out


class Player:
    """One socket, its schedule, and what it sent, received and timed inside the window."""

    def __init__(self, ws: ClientConnection, schedule: list[Scheduled]) -> None:
        self.ws, self.schedule, self.seat = ws, schedule, -1
        self.up, self.down, self.cursor_up = [0, 0], [0, 0], [0, 0]  # messages, bytes
        self.batches = self.arrived = 0
        self.delays: list[float] = []
        self.errors: list[str] = []

    async def send_all(self, start: float, window: tuple[float, float], sent_at: dict[tuple[int, ...], float]) -> None:
        parts: Counter[int] = Counter()
        for t, text, message in self.schedule:
            await asyncio.sleep(max(0.0, start + t - time.perf_counter()))
            now = time.perf_counter()
            if message["type"] == "draw":
                sent_at[(self.seat, message["stroke"], parts[message["stroke"]])] = now
                parts[message["stroke"]] += 1
            await self.ws.send(text)
            if window[0] <= now < window[1]:
                size = len(text) + header(len(text), masked=True)
                self.up[0], self.up[1] = self.up[0] + 1, self.up[1] + size
                self.batches += message["type"] == "draw"
                if message["type"] == "cursor":
                    self.cursor_up[0], self.cursor_up[1] = self.cursor_up[0] + 1, self.cursor_up[1] + size

    async def read_all(self, window: tuple[float, float], sent_at: dict[tuple[int, ...], float]) -> None:
        parts: Counter[tuple[int, int]] = Counter()
        try:
            while True:
                frame = await self.ws.recv(decode=False)
                now = time.perf_counter()
                if window[0] <= now < window[1]:
                    self.down[0], self.down[1] = self.down[0] + 1, self.down[1] + len(frame) + header(len(frame), False)
                message = json.loads(frame)
                if message["type"] == "error":
                    self.errors.append(message["message"])
                for seat, stroke, *_ in message.get("d", []) if message["type"] == "draw.events" else []:
                    key = (seat, stroke)
                    sent = sent_at.get((*key, parts[key]))
                    parts[key] += 1
                    if seat != self.seat and sent is not None and window[0] <= sent < window[1]:
                        self.delays.append(now - sent)
                        self.arrived += 1
        except ConnectionClosed as closed:
            self.errors.append(f"socket closed: {closed}")


async def state_where(ws: ClientConnection, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    while not test(message := await expect(ws, "room.state", 10)):
        pass
    return message


async def run(args: argparse.Namespace, schedules: list[list[Scheduled]]) -> dict[str, Any]:
    server = LiveServer(Path(tempfile.mkdtemp(prefix="draw-bench-")), name="parlor_draw_bench")
    server.env["LOG_LEVEL"] = "WARNING"
    server.env.pop("OPENAI_API_KEY", None)  # the deck's prompts: no network calls
    server.command_prefix = ["taskset", "-c", "0"]
    server.start()
    assert server.process is not None
    pid, path = server.process.pid, "/ws/room/{}/"
    try:
        cookies = [guest_cookie(server.url) for _ in schedules]
        opts: dict[str, Any] = {"compression": None, "ping_interval": None, "max_size": 2**22}
        async with connect(server.ws_url + "/ws/lobby/", additional_headers={"Cookie": cookies[0]}, **opts) as lobby:
            create = {"game": "draw", "options": {"seconds": 300, "rounds": 1}, "public": True}
            await lobby.send(json.dumps({"type": "lobby.create", **create}))
            room = (await expect(lobby, "lobby.created", 10))["url"].strip("/").rsplit("/", 1)[1]
        players, states = [], []
        for index, (cookie, schedule) in enumerate(zip(cookies, schedules, strict=True)):
            ws = await connect(server.ws_url + path.format(room), additional_headers={"Cookie": cookie}, **opts)
            state = await expect(ws, "room.state", 10)
            if index:
                await ws.send(json.dumps({"type": "room.sit"}))
                state = await state_where(ws, lambda m: m["you"]["seated"])
            players.append(Player(ws, schedule))
            states.append(state)
        if states[-1]["room"]["status"] != "playing":  # a full room starts by itself
            await players[0].ws.send(json.dumps({"type": "room.start"}))
        for player, state in zip(players, states, strict=True):
            if state["room"]["status"] != "playing":
                state = await state_where(player.ws, lambda m: m["room"]["status"] == "playing")
            player.seat = state["you"]["seat"]
        sent_at: dict[tuple[int, ...], float] = {}
        start = time.perf_counter() + 0.5
        window = (start + args.warmup, start + args.warmup + args.seconds)
        readers = [asyncio.create_task(player.read_all(window, sent_at)) for player in players]
        senders = asyncio.gather(*(player.send_all(start, window, sent_at) for player in players))
        await asyncio.sleep(window[0] - time.perf_counter())
        cpu = (cpu_seconds(pid), cpu0_busy(), time.process_time())
        await asyncio.sleep(window[1] - time.perf_counter())
        cpu = (cpu_seconds(pid) - cpu[0], cpu0_busy() - cpu[1], time.process_time() - cpu[2])
        await senders
        await asyncio.sleep(1.0)  # the last batches' arrivals
        for task in readers:
            task.cancel()
        await asyncio.gather(*(player.ws.close() for player in players), return_exceptions=True)
    finally:
        server.stop()
    return {"players": players, "server": cpu[0], "cpu0_other": cpu[1] - cpu[0], "client": cpu[2]}


def report(args: argparse.Namespace, traces: list[list[Sample]], result: dict[str, Any]) -> None:
    players: list[Player] = result["players"]
    n, secs, lo, hi = len(players), args.seconds, args.warmup, args.warmup + args.seconds
    seeds = [[m for m in seed_messages(s, COLOURS[i], args.seed_dpr) if lo <= m[0] < hi] for i, s in enumerate(traces)]
    seed_up = sum(len(up) + header(len(up), True) for msgs in seeds for _, up, _ in msgs) / n / secs
    seed_down = sum(len(down) + header(len(down), False) for msgs in seeds for _, _, down in msgs) / secs
    seed_msgs = sum(map(len, seeds)) / secs
    seed = [seed_msgs / n, seed_msgs, seed_up, seed_down, seed_up + seed_down]
    up = [sum(p.up[i] for p in players) / n / secs for i in (0, 1)]
    down = [sum(p.down[i] for p in players) / n / secs for i in (0, 1)]
    parlor = [up[0], down[0], up[1], down[1], up[1] + down[1]]
    drawing = sum(sum(1 for s in t if lo <= s[0] < hi and s[3] in ("down", "move")) for t in traces) / n / secs
    print(f"{n} players, {secs:g} s measured after {args.warmup:g} s; trace seed {args.seed}, {drawing:.1f} points/s")
    print(f"per player while drawing ({100 * drawing / FPS:.0f} % of the time at {FPS} Hz)\n")
    head = ["design", "msgs/s up", "msgs/s down", "B/s up", "B/s down", "B/s total"]
    rows = [["seed, computed", *seed], ["parlor, measured", *parlor]]
    rows.append(["seed / parlor", *(s / p if p else math.nan for s, p in zip(seed, parlor, strict=True))])
    print(" | ".join(f"{h:>16}" if i else f"{h:<17}" for i, h in enumerate(head)))
    print("-" * 112)
    for i, row in enumerate(rows):
        cells = [f"{v:16.2f}x" if i == 2 else f"{v:17,.0f}" for v in row[1:]]
        print(f"{row[0]:<17} |" + " |".join(cells))
    cursor = [sum(p.cursor_up[i] for p in players) / n / secs for i in (0, 1)]
    batches = sum(p.batches for p in players)
    print(f"\nparlor up includes the hover cursors: {cursor[0]:.1f} msgs/s, {cursor[1]:.0f} B/s per player")
    delays, arrived = sorted(1000 * d for p in players for d in p.delays), sum(p.arrived for p in players)
    print(
        f"batches sent {batches} ({batches / n / secs:.1f}/s per player), arrivals at the others {arrived}"
        f" of {batches * (n - 1)}, errors {sum(len(p.errors) for p in players)}"
    )
    for text, count in Counter(e for p in players for e in p.errors).most_common(5):
        print(f"  error x{count}: {text}")
    if delays:
        print(
            f"batch sent -> each other player receives: p50 {percentile(delays, 50):.2f} ms, "
            f"p95 {percentile(delays, 95):.2f} ms, p99 {percentile(delays, 99):.2f} ms, max {delays[-1]:.2f} ms"
        )
    print(
        f"CPU in the window: server {100 * result['server'] / secs:.0f}% of CPU 0 "
        f"({1e3 * result['server'] / max(batches, 1):.2f} ms per batch), others on CPU 0 "
        f"{max(0.0, 100 * result['cpu0_other'] / secs):.0f}%, load client {100 * result['client'] / secs:.0f}%"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of drawing before the window")
    parser.add_argument("--players", type=int, default=8, choices=range(2, 9))
    parser.add_argument("--seed", type=int, default=1, help="seeds the pointer traces")
    parser.add_argument("--seed-dpr", type=float, default=2, help="the seed's coordinates lie on a 1/DPR px grid")
    args = parser.parse_args()
    if args.warmup + args.seconds > 280:
        parser.error("the round lasts 300 s: keep --warmup + --seconds under 280")
    until = args.warmup + args.seconds + 0.5
    traces = [trace(random.Random(f"{args.seed}:{i}"), until) for i in range(args.players)]
    phases = random.Random(args.seed)
    pages = [page(t, COLOURS[i], phases.uniform(0, BATCH)) for i, t in enumerate(traces)]
    schedules = [[item for item in schedule if item[0] < until] for schedule in pages]
    if {0, 1} <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, {1})
    else:
        print("warning: fewer than 2 CPUs, client and server share one", file=sys.stderr)
    report(args, traces, asyncio.run(run(args, schedules)))


if __name__ == "__main__":
    main()
