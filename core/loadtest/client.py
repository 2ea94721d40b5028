"""The arena load client: simulated players (``players``) on one asyncio loop, each timestamping every update.

``ramp`` adds players step by step and measures each step's inter-update gaps, throughput and its own CPU.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .players import PLAYERS, PROTOCOLS, TICK, Player, lane_url, send_input

__all__ = [
    "CLIENT_BOUND", "PROTOCOLS", "Listener", "Plan", "Player", "Ramp", "Stats", "cpu0_busy", "cpu_seconds",
    "largest_held", "measure", "pause", "percentile", "ramp", "window_gaps",
]  # fmt: skip

SLOTS = 10  # input is sent from one task in SLOTS phases per period, so clients don't all send at once
CONNECT_BATCH = 25
CATCH_UP = 3.0  # seconds a stalled client has, once it reads again, to read its backlog or find its socket closed
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


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of a sorted list (nearest rank below); NaN if empty."""
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else math.nan


def window_gaps(times: list[float], t0: float, t1: float) -> tuple[list[float], int]:
    """One client's gaps (s) that end inside [t0, t1] plus the one still open at t1, and its updates in the window.

    ``times`` is sorted; an arrival before t0 anchors the first gap, so a stalled server shows as a long gap."""
    start, end = bisect_left(times, t0), bisect_right(times, t1)
    gaps = [times[i] - times[i - 1] for i in range(max(start, 1), end)]
    gaps.append(t1 - times[end - 1] if end else t1 - t0)
    return gaps, end - start


async def pause(seconds: float, tick: Callable[[float], None]) -> None:
    """Sleep ``seconds``, calling ``tick(elapsed)`` about 5 times a second (for a progress display)."""
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        tick(elapsed)
        await asyncio.sleep(min(0.2, seconds - elapsed))


async def measure(players: list[Player], window: float, server_pid: int | None, tick: Callable[[float], None]) -> Stats:
    """One window over ``players`` (joined ones): gaps (ms), messages and bytes per second, client and server CPU.

    ``skipped`` counts the lane's ticks a client never got a snapshot of (0 for the seed, whose updates have none)."""
    gc.collect()
    gc.freeze()  # keep the client's own full collections out of the arrival times
    for p in players:
        del p.arrivals[:-1]  # keep the last arrival as the anchor of the first gap
    ticks0, bytes0 = [p.tick for p in players], sum(p.received for p in players)
    server0, core0 = (cpu_seconds(server_pid), cpu0_busy()) if server_pid else (0.0, 0.0)
    client0, t0 = time.process_time(), time.perf_counter()
    await pause(window, tick)
    t1, client1 = time.perf_counter(), time.process_time()
    ticks1, bytes1 = [p.tick for p in players], sum(p.received for p in players)
    gaps: list[float] = []
    received = skipped = 0
    for p, tick0, tick1 in zip(players, ticks0, ticks1, strict=True):
        mine, count = window_gaps(p.arrivals, t0, t1)
        gaps.extend(mine)
        received += count
        skipped += max(0, tick1 - tick0 - count) if tick0 else 0
    gaps = sorted(1000 * g for g in gaps)
    live, elapsed = sum(p.alive for p in players), t1 - t0
    stats: Stats = {
        "connected": live, "gaps": len(gaps), "p50": percentile(gaps, 50), "p90": percentile(gaps, 90),
        "p95": percentile(gaps, 95), "p99": percentile(gaps, 99), "max": gaps[-1] if gaps else math.nan,
        "msgs_per_s": received / elapsed, "per_client_hz": received / elapsed / max(live, 1),
        "bytes_per_s": (bytes1 - bytes0) / elapsed, "skipped": skipped,
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
    stall_fraction: float = 0.0  # the share of clients that stop reading during each step (slow clients)
    stall_buffer: int = 0  # bytes a stopped client's socket may then queue (SO_RCVBUF); 0: the system's


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
        if plan.protocol not in PLAYERS:
            raise ValueError(f"protocol {plan.protocol!r} is not one of {', '.join(PROTOCOLS)}")
        if not 0 <= plan.stall_fraction < 1:
            raise ValueError(f"stall_fraction {plan.stall_fraction} is not in [0, 1)")
        if plan.stall_buffer < 0:
            raise ValueError(f"stall_buffer {plan.stall_buffer} is negative")
        self.plan, self.hear = plan, listener or Listener()
        self.kind = PLAYERS[plan.protocol]
        self.url = lane_url(plan.url, plan.key) if plan.protocol == "parlor" else plan.url
        self.rng = random.Random(plan.seed)
        self.players: list[Player] = []
        self.failures = self.index = self.n = 0

    def tick(self, phase: str, fraction: float) -> None:
        """Tell the listener where the current step is."""
        self.hear.status(self.index, self.n, phase, fraction)

    async def connect(self) -> int:
        """Open clients in batches until N are tried besides those the server shed while stopped (so N clients
        take part in each step); the count refused (a whole batch refused ends it early)."""
        refused, players = 0, self.players
        shed = sum(p.shed for p in players)
        while (tried := len(players) - shed) < self.n:
            self.tick(f"connecting {sum(p.alive for p in players)}/{self.n}", 0.2 * tried / self.n)
            batch = [self.kind(self.rng) for _ in range(min(CONNECT_BATCH, self.n - tried))]
            opened = await asyncio.gather(*(p.open(self.url) for p in batch))
            if False in opened and not self.failures + refused:
                self.hear.note(f"connect failed: {batch[opened.index(False)].failure}")
            refused += opened.count(False)
            players.extend(batch)
            if True not in opened:
                break  # stop knocking: this step has failed
        self.failures += refused
        return refused

    def stall(self) -> list[Player]:
        """Make ``stall_fraction`` of the connected clients, evenly spread (every k-th), stop reading."""
        share = self.plan.stall_fraction
        live = [p for p in self.players if p.alive]
        chosen = [p for i, p in enumerate(live) if math.floor((i + 1) * share) > math.floor(i * share)]
        for p in chosen:
            p.stall(self.plan.stall_buffer)
        return chosen

    async def release(self, stalled: list[Player]) -> int:
        """Let the stalled clients read again until each has read its backlog or found its socket closed.

        The count the server disconnected: a close waits behind the unread data, so it shows only now."""
        since = time.perf_counter()
        for p in stalled:
            p.resume()
        while any(p.alive and not p.caught_up(since) for p in stalled) and time.perf_counter() - since < CATCH_UP:
            self.tick("stalled clients reading again", 1.0)
            await asyncio.sleep(TICK)
        for p in stalled:
            p.shed = not p.alive
        return sum(p.shed for p in stalled)

    async def step(self) -> Stats:
        """Reach N clients, stall some, settle, measure one window over the others; then release the stalled.

        Errors count refusals, drops and error replies; a stalled client's drop is reported apart from them."""
        plan, players = self.plan, self.players
        span = max(plan.settle + plan.window, 1e-9)
        rejected, started = sum(p.rejected for p in players), time.perf_counter()
        refused = await self.connect()
        ramp_s = time.perf_counter() - started
        stalled = self.stall() if plan.stall_fraction else []
        await pause(plan.settle, lambda t: self.tick("settling", 0.2 + 0.8 * t / span))
        healthy = [p for p in players if p.opened and not p.stalled and not p.shed]
        window = f"/{plan.window:g} s"
        stats = {"n": self.n, "ramp_s": ramp_s} | await measure(
            healthy, plan.window, plan.server_pid,
            lambda t: self.tick(f"measuring {t:.1f}{window}", 0.2 + 0.8 * (plan.settle + t) / span),
        )  # fmt: skip
        expected = self.n - len(stalled)  # the healthy, who should all be connected
        held = stats["connected"] == expected and stats["p95"] <= 60 and stats["p99"] <= 100
        stats["stalled"], stats["stalled_dropped"] = len(stalled), await self.release(stalled)
        stats["connected"] += len(stalled) - stats["stalled_dropped"]
        stats["dropped"] = sum(p.dropped_at is not None and p.dropped_at >= started for p in healthy)
        stats["rejected"] = sum(p.rejected for p in players) - rejected
        stats["connect_failures"], stats["step_failures"] = self.failures, refused
        stats["errors"] = stats["dropped"] + stats["rejected"] + refused
        stats["held"] = held
        stats["client_bound"] = stats["client_cpu"] > CLIENT_BOUND  # then the figures may be the client's
        return stats

    async def run(self) -> list[Stats]:
        """Every step in turn until ``stop_after`` fail in a row or the server is gone; then close every client."""
        results: list[Stats] = []
        failed_in_row = 0
        sender = asyncio.create_task(send_input(self.players, self.kind.period, SLOTS))
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
            for p in self.players:
                p.close()
            await asyncio.sleep(0)  # let the transports report their closes
            gc.unfreeze()
        return results


async def ramp(plan: Plan, listener: Listener | None = None) -> list[Stats]:
    """Run a ramp (see Ramp): a list of each measured step's figures."""
    return await Ramp(plan, listener).run()


def largest_held(steps: list[Stats]) -> tuple[int, str]:
    """The largest N held, and "+" when the ramp ended on a held step (then it is only a lower bound)."""
    return max((s["n"] for s in steps if s["held"]), default=0), "+" if steps and steps[-1]["held"] else ""
