"""``manage.py loadtest [URL]``: ramp simulated arena players against a server; report gaps, throughput, a chart.

Speaks the seed's JSON protocol (``/ws/arena/``) or Parlor's binary arena lane (``/arena/<room>/`` on the lane port).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import uvloop
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.loadtest.chart import write_chart
from core.loadtest.client import CLIENT_BOUND, PROTOCOLS, Listener, Plan, Stats, largest_held, ramp
from core.loadtest.players import lane_url

SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
DEFAULT_URL = {"seed": "ws://127.0.0.1:8000/ws/arena/", "parlor": "ws://127.0.0.1:8001/arena/main/"}
LANE_PATH = re.compile(r"^/arena/[^/]+/?$")
BAR = 24


def socket_url(url: str, protocol: str) -> str:
    """The websocket URL to load: the seed's socket (``/ws/arena/`` if no path), or a lane URL that takes a seat."""
    parts = urlsplit(url)
    scheme = SCHEMES.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise CommandError(f"{url!r} is not an http(s):// or ws(s):// URL.")
    query = f"?{parts.query}" if parts.query else ""
    if protocol == "seed":
        path = parts.path if parts.path.strip("/") else "/ws/arena/"
        return f"{scheme}://{parts.netloc}{path}{query}"
    path = parts.path if parts.path.strip("/") else "/arena/main/"
    if LANE_PATH.match(path) is None:
        raise CommandError(f"{url!r} is not a lane URL: give ws://HOST:LANE_PORT/arena/ROOM/ (main: the main arena).")
    return lane_url(f"{scheme}://{parts.netloc}{path}{query}")


def parse_steps(text: str) -> list[int]:
    """``"10,50,100"`` as sorted distinct player counts."""
    try:
        steps = sorted({int(n) for n in text.split(",") if n.strip()})
    except ValueError:
        raise CommandError(f"--steps must be comma-separated numbers, not {text!r}.") from None
    if not steps or steps[0] < 1:
        raise CommandError("--steps needs at least one player count, each at least 1.")
    return steps


def ms(value: float) -> str:
    """A gap in whole milliseconds, or "-" when there was none to measure."""
    return "-" if math.isnan(value) else f"{value:.0f}"


def step_line(s: Stats) -> str:
    """One step's figures on one line."""
    gaps = "/".join(ms(s[key]) for key in ("p50", "p95", "p99", "max"))
    flag = " !" if s["client_bound"] else ""
    stalled = f", {s['stalled']} stalled ({s['stalled_dropped']} dropped by the server)" if s["stalled"] else ""
    return (
        f"N={s['n']:>5}: {s['connected']}/{s['n']} connected, gap p50/p95/p99/max {gaps} ms, "
        f"{s['msgs_per_s']:.0f} msg/s ({s['per_client_hz']:.1f} Hz each), {s['bytes_per_s'] / 1e3:.0f} kB/s, "
        f"errors {s['errors']} ({s['step_failures']} refused, {s['dropped']} dropped, {s['rejected']} error replies)"
        f"{stalled}, client CPU {s['client_cpu']:.0f}%{flag}: {'held' if s['held'] else 'NOT held'}"
    )


class Progress(Listener):
    """A one-line progress bar on stderr, redrawn with ``\\r``; step lines go to stdout above it."""

    def __init__(self, steps: int, say: Callable[[str], object], err: TextIO) -> None:
        self.steps, self.say, self.err, self.width = steps, say, err, 0

    def _draw(self, text: str) -> None:
        self.err.write("\r" + text.ljust(self.width))
        self.err.flush()
        self.width = len(text)

    def clear(self) -> None:
        """Erase the bar (before other output, and at the end)."""
        if self.width:
            self._draw("")
            self.err.write("\r")
            self.width = 0

    def status(self, index: int, n: int, phase: str, fraction: float) -> None:
        done = (index + min(max(fraction, 0.0), 1.0)) / self.steps
        filled = int(done * BAR)
        self._draw(f"[{'#' * filled}{'.' * (BAR - filled)}] {done:4.0%} step {index + 1}/{self.steps} N={n}: {phase}")

    def note(self, text: str) -> None:
        self.clear()
        self.err.write(f"note: {text}\n")

    def step(self, stats: Stats) -> None:
        self.clear()
        self.say(step_line(stats))


def table(steps: list[Stats]) -> list[str]:
    """The summary table: a row per step."""
    header = (
        f"{'N':>6} {'conn':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'msg/s':>8} {'kB/s':>8} {'errors':>6} "
        f"{'stall':>9} {'cpu%':>5} held"
    )
    rows = [header, "-" * len(header)]
    for s in steps:
        gaps = " ".join(f"{ms(s[key]):>6}" for key in ("p50", "p95", "p99", "max"))
        cpu = f"{s['client_cpu']:4.0f}{'!' if s['client_bound'] else ' '}"
        stall = f"{s['stalled_dropped']}/{s['stalled']}" if s["stalled"] else "-"
        rows.append(
            f"{s['n']:>6} {s['connected']:>6} {gaps} {s['msgs_per_s']:>8.0f} {s['bytes_per_s'] / 1e3:>8.0f} "
            f"{s['errors']:>6} {stall:>9} {cpu:>5} {'yes' if s['held'] else 'no'}"
        )
    return rows


class Command(BaseCommand):
    help = (
        "Ramp simulated arena players against URL (the seed's JSON protocol or Parlor's binary lane): per step, the "
        "gap between updates (median/p95/p99/max), messages and bytes per second, errors and this client's CPU; "
        "a PNG chart. --stall makes a share of the clients stop reading, as slow clients do."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "url", nargs="?",
            help=f"seed: ws://HOST/ws/arena/ (default {DEFAULT_URL['seed']}); parlor: the lane, "
            f"ws://HOST:LANE_PORT/arena/ROOM/, ?key=JOIN_KEY for a private room (default {DEFAULT_URL['parlor']})",
        )  # fmt: skip
        parser.add_argument(
            "--protocol", choices=PROTOCOLS, default="seed",
            help="seed: the seed tutorial's JSON (stateUpdate each tick); parlor: the arena lane's binary snapshots",
        )  # fmt: skip
        parser.add_argument(
            "--stall", type=float, default=0.0, metavar="FRACTION",
            help="share of the clients (every k-th) that stop reading in each step; their gaps are left out and "
            "the server's drops of them counted apart (default 0)",
        )  # fmt: skip
        parser.add_argument(
            "--stall-buffer", type=int, default=0, metavar="BYTES",
            help="a stopped client's receive buffer (SO_RCVBUF), set as it stops; small (4096) when the load runs on "
            "the server's machine, where that queue is the server's kernel memory (default 0: the system's)",
        )  # fmt: skip
        parser.add_argument("--steps", default="10,50,100", help="comma-separated player counts (default 10,50,100)")
        parser.add_argument("--window", type=float, default=10.0, help="seconds measured at each step (default 10)")
        parser.add_argument("--settle", type=float, default=2.0, help="seconds from reaching N to the window")
        parser.add_argument("--chart", type=Path, help="the PNG chart (default: a new file in the temp directory)")
        parser.add_argument("--json", type=Path, help="write every step's figures here")
        parser.add_argument("--stop-after", type=int, default=2, help="failed steps in a row that end it; 0: never")

    def handle(self, *args: Any, **options: Any) -> None:
        protocol: str = options["protocol"]
        url = socket_url(options["url"] or DEFAULT_URL[protocol], protocol)
        steps = parse_steps(options["steps"])
        if options["window"] <= 0 or options["settle"] < 0:
            raise CommandError("--window must be positive and --settle not negative.")
        if not 0 <= options["stall"] < 1:
            raise CommandError("--stall must be a fraction from 0 up to (not including) 1.")
        if options["stall_buffer"] < 0:
            raise CommandError("--stall-buffer must be 0 (the system's) or a number of bytes.")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        chart: Path = options["chart"] or Path(tempfile.gettempdir()) / f"loadtest-{protocol}-{stamp}.png"
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # one socket per player
        plan = Plan(
            url, protocol, steps, options["window"], options["settle"], options["stop_after"],
            stall_fraction=options["stall"], stall_buffer=options["stall_buffer"],
        )  # fmt: skip
        stalling = f", {plan.stall_fraction:.0%} of clients stop reading each step" if plan.stall_fraction else ""
        self.stdout.write(
            f"loadtest {url} ({protocol} protocol): steps {','.join(map(str, steps))}, settle {plan.settle:g} s, "
            f"window {plan.window:g} s{stalling}; held = p95 <= 60 ms, p99 <= 100 ms, all (but stalled) connected"
        )
        progress = Progress(len(steps), self.stdout.write, sys.stderr)
        try:  # uvloop (uvicorn's): the loop's own share of the client's CPU is in C
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                results = runner.run(ramp(plan, progress))
        finally:
            progress.clear()
        self.stdout.write("\n" + "\n".join(table(results)))
        best, more = largest_held(results)
        self.stdout.write(f"held up to N={best}{more}; !: this client above {CLIENT_BOUND:.0f}% CPU in that step")
        title = f"Parlor loadtest: {url} ({protocol} protocol), {plan.window:g} s windows"
        self.stdout.write(f"chart: {write_chart(chart, results, title)}")
        if options["json"]:
            options["json"].write_text(json.dumps({"url": url, "protocol": protocol, "steps": results}, indent=1))
            self.stdout.write(f"json: {options['json']}")
        if not any(s["connected"] for s in results):
            raise CommandError("No client could connect; see the note above.")
