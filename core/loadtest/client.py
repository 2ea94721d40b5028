"""The arena load client: simulated players on one asyncio loop, each timestamping every update it receives.

``ramp`` adds players step by step and measures each step's inter-update gaps, throughput and its own CPU.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.connection import broadcast
from websockets.exceptions import ConnectionClosed, WebSocketException

TICK = 0.05
SLOTS = 10  # input is sent from one task in SLOTS phases per tick, so clients don't all send at once
CONNECT_BATCH = 25
TIMEOUT = 10.0  # every wait on a server (handshake and join, close) is bounded by this
PROTOCOLS = ("seed", "parlor")
UPDATE = {"seed": b'"stateUpdate"', "parlor": b'"arena.frame"'}  # each protocol's per-tick frame type
CLIENT_BOUND = 80.0  # client CPU % above which a step measured the client as much as the server
Stats = dict[str, Any]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu0_busy() -> float:
    """Seconds CPU 0 ran processes (user, nice, system) or was stolen by the hypervisor; not interrupts."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\ncpu0 ", 1)[1].split()[:8]]
    return (ticks[0] + ticks[1] + ticks[2] + ticks[7]) / os.sysconf("SC_CLK_TCK")


def is_type(frame: bytes, quoted: bytes) -> bool:
    """Whether a frame's "type" is ``quoted`` (e.g. b'"stateUpdate"'), reading only its ends when "type" is there."""
    if frame.find(quoted, 0, 48) >= 0 or frame.find(quoted, len(frame) - 48) >= 0:
        return True
    if frame.find(b'"type"', 0, 16) >= 0 or frame.find(b'"type"', len(frame) - 48) >= 0:
        return False
    try:  # "type" in the middle: decode, the slow path
        message = json.loads(frame)
    except ValueError:
        return False
    return isinstance(message, dict) and json.dumps(message.get("type")).encode() == quoted


class Player:
    """One simulated player: joins with a ship of its own, then sends input every tick and timestamps updates."""

    def __init__(self, protocol: str, rng: random.Random, key: str | None = None) -> None:
        self.protocol, self.key, self.marker = protocol, key, UPDATE[protocol]
        self.phase = rng.uniform(0, 2 * math.pi)
        self.arrivals: list[float] = []
        self.alive = self.opened = self.closing = False
        self.dropped = self.rejected = self.ticks = 0
        self.failure = ""
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> bool:
        """Connect and join within TIMEOUT; on failure keep the reason in ``failure``."""
        try:
            async with asyncio.timeout(TIMEOUT):
                self.ws = await connect(
                    url, compression=None, max_size=None, open_timeout=TIMEOUT, close_timeout=2, ping_interval=None
                )
                field = await (self._join_seed() if self.protocol == "seed" else self._join_parlor())
        except (OSError, TimeoutError, WebSocketException, ValueError, KeyError, TypeError) as error:
            self.failure = f"{type(error).__name__}: {error}"
            if self.ws is not None:
                self.ws.transport.abort()
            return False
        self.alive = self.opened = True
        self.facing = '{"type":"facing"' + field + ',"facing":'
        self.down = '{"type":"mouseDown"' + field + "}"
        self.up = '{"type":"mouseUp"' + field + "}"
        self.reader = asyncio.create_task(self.read())
        return True

    async def _message(self) -> dict[str, Any]:
        """The next frame that is not an update, decoded; an error reply raises."""
        assert self.ws is not None
        while True:
            frame = await self.ws.recv(decode=False)
            if not is_type(frame, self.marker):
                message = json.loads(frame)
                if not isinstance(message, dict):
                    raise ValueError(f"not a JSON object: {frame[:80]!r}")
                if message.get("type") == "error":
                    raise ValueError(f"server said: {message.get('message')}")
                return message

    async def _join_seed(self) -> str:
        """Read ``playerId``; inputs echo it verbatim."""
        while (message := await self._message()).get("type") != "playerId":
            pass
        return ',"playerId":' + json.dumps(message["playerId"])

    async def _join_parlor(self) -> str:
        """Read the first ``room.state``, send ``room.sit``, wait until seated; inputs carry no id."""
        while (message := await self._message()).get("type") != "room.state":
            pass
        if message["room"]["game"] != "arena":
            raise ValueError(f"room {message['room']['id']} plays {message['room']['game']}, not arena")
        assert self.ws is not None
        await self.ws.send(json.dumps({"type": "room.sit", **({"key": self.key} if self.key else {})}))
        while not ((message := await self._message()).get("type") == "room.state" and message["you"]["seated"]):
            pass
        return ""

    async def read(self) -> None:
        """Timestamp every update (perf_counter); count error replies; a close we didn't ask for is a drop."""
        assert self.ws is not None
        clock, marker, ws = time.perf_counter, self.marker, self.ws
        try:
            while True:
                frame = await ws.recv(decode=False)
                now = clock()
                if is_type(frame, marker):
                    self.arrivals.append(now)
                elif is_type(frame, b'"error"'):
                    self.rejected += 1
        except ConnectionClosed:
            if not self.closing:
                self.dropped += 1
            self.alive = False

    def send(self, now: float) -> None:
        """This tick's input: facing, slowly rotating, and every second thrust on or off.

        broadcast() to one connection writes without awaiting (a send never blocks the shared input task)."""
        assert self.ws is not None
        facing = (self.phase + 0.5 * now) % (2 * math.pi)
        broadcast([self.ws], f"{self.facing}{facing:.4f}}}")
        if self.ticks % 20 == 0:
            broadcast([self.ws], self.down if self.ticks % 40 == 0 else self.up)
        self.ticks += 1

    async def close(self) -> None:
        """Stop reading and drop the connection at once (no closing handshake to wait for)."""
        self.closing = True
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            self.ws.transport.abort()


async def send_input(players: list[Player]) -> None:
    """Every connected client's input at 20 Hz, from one task: client i sends in phase i % SLOTS of a tick."""
    due, slot = time.perf_counter(), 0
    while True:
        for player in players[slot::SLOTS]:
            if player.alive:
                player.send(due)
        slot = (slot + 1) % SLOTS
        due += TICK / SLOTS
        await asyncio.sleep(max(0.0, due - time.perf_counter()))


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of a sorted list (nearest rank below); NaN if empty."""
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else math.nan


async def pause(seconds: float, tick: Callable[[float], None]) -> None:
    """Sleep ``seconds``, calling ``tick(elapsed)`` about 5 times a second (for a progress display)."""
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        tick(elapsed)
        await asyncio.sleep(min(0.2, seconds - elapsed))


async def measure(players: list[Player], window: float, server_pid: int | None, tick: Callable[[float], None]) -> Stats:
    """One window: every connected client's gaps (ms), messages per second, the client's and the server's CPU."""
    gc.collect()
    gc.freeze()  # keep the client's own full collections out of the arrival times
    for p in players:
        del p.arrivals[:-1]  # keep the last arrival as the anchor of the first gap
    server0, core0 = (cpu_seconds(server_pid), cpu0_busy()) if server_pid else (0.0, 0.0)
    client0, t0 = time.process_time(), time.perf_counter()
    await pause(window, tick)
    t1, client1 = time.perf_counter(), time.process_time()
    gaps: list[float] = []
    received = 0
    for p in (p for p in players if p.opened):  # clients that never connected count as failures only
        times = [t for t in p.arrivals if t <= t1]
        received += sum(1 for t in times if t >= t0)
        gaps.extend(b - a for a, b in zip(times, times[1:], strict=False) if b >= t0)
        gaps.append(t1 - times[-1] if times else t1 - t0)  # the gap still open at the end
    gaps = sorted(1000 * g for g in gaps)
    live, elapsed = sum(p.alive for p in players), t1 - t0
    stats: Stats = {
        "connected": live, "gaps": len(gaps), "p50": percentile(gaps, 50), "p90": percentile(gaps, 90),
        "p95": percentile(gaps, 95), "p99": percentile(gaps, 99), "max": gaps[-1] if gaps else math.nan,
        "msgs_per_s": received / elapsed, "per_client_hz": received / elapsed / max(live, 1),
        "client_cpu": 100 * (client1 - client0) / elapsed,
    }  # fmt: skip
    if server_pid:  # the server pinned to CPU 0: its CPU, and CPU 0's time that was not its
        server = cpu_seconds(server_pid) - server0
        stats["server_cpu"] = 100 * server / elapsed
        stats["cpu0_other"] = max(0.0, 100 * (cpu0_busy() - core0 - server) / elapsed)
    return stats


@dataclass
class Plan:
    """A ramp: the socket URL, its protocol, the player counts, the seconds of each step."""

    url: str
    protocol: str
    steps: list[int]
    window: float = 10.0
    settle: float = 2.0
    stop_after: int = 2  # failed steps in a row that end the ramp; 0: never
    seed: int = 1
    key: str | None = None  # a private room's join key (parlor)
    server_pid: int | None = None  # a local server's pid, to report its CPU


class Listener:
    """What a ramp tells as it goes: progress, notes, each step's figures; it may also ask to stop."""

    def status(self, index: int, n: int, phase: str, fraction: float) -> None:
        """Step ``index`` (to N=n) is in ``phase``, ``fraction`` of the way through."""

    def note(self, text: str) -> None:
        """Something worth a line: the first connect failure."""

    def step(self, stats: Stats) -> None:
        """A step's figures, as soon as it is measured."""

    def server_gone(self) -> str | None:
        """Why the server can't be measured any more (e.g. it exited), or None to go on."""
        return None


class Ramp:
    """One ramp's players and counters; ``run`` adds clients step by step, measuring each step."""

    def __init__(self, plan: Plan, listener: Listener | None = None) -> None:
        self.plan, self.hear = plan, listener or Listener()
        self.rng = random.Random(plan.seed)
        self.players: list[Player] = []
        self.failures = self.index = self.n = 0

    def tick(self, phase: str, fraction: float) -> None:
        """Tell the listener where the current step is."""
        self.hear.status(self.index, self.n, phase, fraction)

    async def connect(self) -> int:
        """Open clients in batches until N are tried; the count refused (a whole batch refused ends it early)."""
        refused, players = 0, self.players
        while len(players) < self.n:
            self.tick(f"connecting {sum(p.alive for p in players)}/{self.n}", 0.2 * len(players) / self.n)
            size = min(CONNECT_BATCH, self.n - len(players))
            batch = [Player(self.plan.protocol, self.rng, self.plan.key) for _ in range(size)]
            opened = await asyncio.gather(*(p.open(self.plan.url) for p in batch))
            if False in opened and not self.failures + refused:
                self.hear.note(f"connect failed: {batch[opened.index(False)].failure}")
            refused += opened.count(False)
            players.extend(batch)
            if True not in opened:
                break  # stop knocking: this step has failed
        self.failures += refused
        return refused

    async def step(self) -> Stats:
        """Reach N clients, settle, measure one window; errors count refusals, drops and error replies."""
        plan, players = self.plan, self.players
        span = max(plan.settle + plan.window, 1e-9)
        dropped, rejected = sum(p.dropped for p in players), sum(p.rejected for p in players)
        started = time.perf_counter()
        refused = await self.connect()
        ramp_s = time.perf_counter() - started
        await pause(plan.settle, lambda t: self.tick("settling", 0.2 + 0.8 * t / span))
        window = f"/{plan.window:g} s"
        stats = {"n": self.n, "ramp_s": ramp_s} | await measure(
            players, plan.window, plan.server_pid,
            lambda t: self.tick(f"measuring {t:.1f}{window}", 0.2 + 0.8 * (plan.settle + t) / span),
        )  # fmt: skip
        stats["dropped"] = sum(p.dropped for p in players) - dropped
        stats["rejected"] = sum(p.rejected for p in players) - rejected
        stats["connect_failures"], stats["step_failures"] = self.failures, refused
        stats["errors"] = stats["dropped"] + stats["rejected"] + refused
        stats["held"] = stats["connected"] == self.n and stats["p95"] <= 60 and stats["p99"] <= 100
        stats["client_bound"] = stats["client_cpu"] > CLIENT_BOUND  # then the figures may be the client's
        return stats

    async def run(self) -> list[Stats]:
        """Every step in turn until ``stop_after`` fail in a row or the server is gone; then close every client."""
        results: list[Stats] = []
        failed_in_row = 0
        sender = asyncio.create_task(send_input(self.players))
        try:
            for index, n in enumerate(self.plan.steps):
                self.index, self.n = index, n
                if (reason := self.hear.server_gone()) is not None:
                    self.hear.note(reason)
                    break
                results.append(stats := await self.step())
                self.hear.step(stats)
                failed_in_row = 0 if stats["held"] else failed_in_row + 1
                if self.plan.stop_after and failed_in_row >= self.plan.stop_after:
                    break
        finally:
            sender.cancel()
            await asyncio.gather(*(p.close() for p in self.players), return_exceptions=True)
            gc.unfreeze()
        return results


async def ramp(plan: Plan, listener: Listener | None = None) -> list[Stats]:
    """Run a ramp (see Ramp): a list of each measured step's figures."""
    return await Ramp(plan, listener).run()


def largest_held(steps: list[Stats]) -> tuple[int, str]:
    """The largest N held, and "+" when the ramp ended on a held step (then it is only a lower bound)."""
    return max((s["n"] for s in steps if s["held"]), default=0), "+" if steps and steps[-1]["held"] else ""
