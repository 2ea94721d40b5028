"""Scale with processes: arena players held at 20 Hz and Connect Four moves per second, 1 and 2 server processes.

For each process count (``--processes``, default 1,2) and each part (``--only``, default arena,connect4) a fresh
cluster is started with tests/cluster/harness.py: a private redis-server, a fresh PostgreSQL database, nginx
(one worker) rendered by core/ops/nginx.py, and N uvicorn processes, DEBUG off, with the production timers
(presence heartbeat 5 s, expiry 15 s, notification poll 0.5 s) and the default rate limits. Every player goes
through nginx. The load runs in worker processes of this script (one per server process), so no single Python
loop limits it; they talk to this process over their stdin and stdout.

Pinning (this machine has 2 cores, shared by everything): with 1 process, uvicorn alone on CPU 0 and everything
else of ours (nginx, Redis, the load workers) on CPU 1. With 2 processes, p1 on CPU 0 and p2 on CPU 1, and nginx,
Redis and the load float over both cores: the compromise is that the load and nginx take CPU from the servers,
so the 2-process figures are lower bounds of what 2 dedicated cores would do. PostgreSQL is the machine's own
server and is never pinned. The CPU of every part is measured over each window: each server process, the load
workers, nginx (master and worker), Redis, all ``postgres`` processes (the whole server, so any other user of it
counts too) and each core's busy time.

Arena. One world lives on one process, so there is one world per process: an arena room created through the
lobby socket of process k (a room is owned by the process that creates it or first loads it, by a lease in
Redis; core/rooms/placement.py), and a page's room socket, through nginx, tells where its lane is
(``arena.lane``: ``/lane/pk/arena/ROOM/`` on nginx, which proxies to process k's lane port). Each world gets its
own load worker, whose players (core.loadtest's lane client, as ``manage.py loadtest --protocol parlor``) sit in
it over that lane URL: each sends ``facing`` every 100 ms, toggles thrust every second, fires every 2 s, and
timestamps every snapshot. At each step every world is brought to N players (``--arena-steps``, per world), then
after ``--settle`` s all worlds are measured over the same ``--window`` s. A world holds N when all N are
connected and its p95 gap is <= 60 ms and p99 <= 100 ms; a step is held when every world holds. The ramp ends
after 2 failed steps in a row. The result is the largest total held (N times the worlds).

Connect Four. ``--games`` games, split over the workers, each between two guests (session cookies from the
lobby page, as a browser gets them; 24 guests per worker, each in several games, see OPEN_BATCH) playing on
Parlor's room socket, as the page does: the first creates a private room on ``/ws/lobby/`` (least connections:
any process), both open ``/ws/room/<id>/`` (nginx hashes the room: both reach the same process) and the second
sits with the join key. ``--placements``: ``lobby`` is as deployed: the lobby lets each new room go
(``runtime.let_go``), so the process nginx hashes it to loads it (before that change, rooms stayed on the
creating process and half of them were forwarded: 0.77x); ``hashed`` also sets PARLOR_ROOM_IDLE_UNLOAD=1 and
waits until every new room is unloaded before the players open it, which was the workaround.

Then every game plays as fast as the server accepts: the player to move sends ``play``, and the next move goes as
soon as both sockets have the ``room.state`` showing it. The columns fill the board with no four in a row; at the
draw both ask for a rematch on the same sockets (seats rotate) and play on. After
``--warmup`` s, the moves sent within ``--c4-window`` s are counted; a move's round trip is from its send until
both players have it, so it includes validating, storing (group commit), fanning out and any forwarding between
processes. Games whose sockets reached a process other than the room's owner are reported apart.

    .venv/bin/python benchmarks/cluster_scale.py                  # about 10 minutes
    .venv/bin/python benchmarks/cluster_scale.py --quick          # a smoke run: small steps, 3 s windows
    .venv/bin/python benchmarks/cluster_scale.py --only connect4 --games 100 --json /tmp/scale.json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import random
import resource
import signal
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvloop
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from websockets.asyncio.client import ClientConnection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connect4_latency import drawn_sequence  # noqa: E402  (beside this file)

from core.loadtest.client import SLOTS, Plan, Ramp, cpu_seconds, percentile, window_gaps  # noqa: E402
from core.loadtest.players import send_input  # noqa: E402
from tests.clients import expect, expect_state, guest_cookie, open_socket, send  # noqa: E402
from tests.cluster.harness import Cluster  # noqa: E402

HELD_P95, HELD_P99 = 60.0, 100.0
CLIENT_BOUND = 80.0  # a load worker above this share of a core measured itself as much as the servers
TIMEOUT = 10.0  # every wait on a server in the workers
# Requests at once from each worker. Each page request runs in a thread of its own, whose PostgreSQL connection
# (CONN_MAX_AGE) stays open until a full garbage collection: 2 x 60 page loads at once exhausted the
# shared server's max_connections (100) with HTTP 500s, so the guests are few and reused.
OPEN_BATCH = 4
GUESTS = 24  # guests per worker, each playing in several games: only they load a page (see OPEN_BATCH)
PRODUCTION = {  # the harness's short test timers back to the defaults (README, "Configuration")
    "PARLOR_PRESENCE_HEARTBEAT": "5",
    "PARLOR_PRESENCE_EXPIRY": "15",
    "PARLOR_NOTIFY_POLL": "0.5",
}
Stats = dict[str, Any]


# ---------------------------------------------------------------- CPU accounting (Linux /proc)


def children(pid: int) -> list[int]:
    """The direct children of a process (nginx's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def named(comm: str) -> list[int]:
    """Every process whose command name is ``comm`` (PostgreSQL's server and backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == comm:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each of these processes that still exists."""
    out = {}
    for pid in pids:
        try:
            out[pid] = cpu_seconds(pid)
        except (OSError, IndexError, ValueError):
            continue
    return out


def cores() -> dict[str, tuple[float, float]]:
    """Per core: (busy, total) jiffies; busy is everything but idle and iowait, steal included."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            ticks = [int(v) for v in values[:8]]
            out[name] = (sum(ticks) - ticks[3] - ticks[4], sum(ticks))
    return out


def pin(pid: int, cpus: set[int]) -> None:
    """Set the affinity of every thread of a running process (threads it starts later inherit it)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except (ProcessLookupError, PermissionError):
            continue


class Meter:
    """CPU of named groups of processes between ``start`` and ``stop``, as % of one core, and each core's busy %.

    A process that exits within the window is left out (PostgreSQL backends come and go); one that starts within
    it counts in full."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self.began: dict[str, dict[int, float]] = {}
        self.cores: dict[str, tuple[float, float]] = {}
        self.t0 = 0.0

    def start(self) -> None:
        self.began = {name: cpu_by_pid(find()) for name, find in self.groups.items()}
        self.cores, self.t0 = cores(), time.monotonic()

    def stop(self) -> Stats:
        elapsed = time.monotonic() - self.t0
        used: Stats = {}
        for name, find in self.groups.items():
            now = cpu_by_pid([*self.began[name], *find()])
            used[name] = 100 * sum(cpu - self.began[name].get(pid, 0.0) for pid, cpu in now.items()) / elapsed
        now_cores = cores()
        used |= {
            name: 100 * (now_cores[name][0] - busy) / max(now_cores[name][1] - total, 1)
            for name, (busy, total) in self.cores.items()
        }
        return used


def cluster_meter(cluster: Cluster, workers: list[asyncio.subprocess.Process]) -> Meter:
    """Each server process (p1, p2...), the load workers, nginx, Redis and PostgreSQL."""

    def one(pid: int | None) -> Callable[[], list[int]]:
        return lambda: [pid] if pid else []

    groups = {node.name: one(node.process.pid if node.process else None) for node in cluster.nodes}
    proxy = cluster.proxy.process
    assert proxy is not None and cluster.redis.process is not None
    groups |= {
        "load": lambda: [w.pid for w in workers],
        "nginx": lambda: [proxy.pid, *children(proxy.pid)],
        "redis": one(cluster.redis.process.pid),
        "postgres": lambda: named("postgres"),
    }
    return Meter(groups)


def layout(cluster: Cluster) -> tuple[dict[str, set[int]], set[int] | None]:
    """Pin the servers (one core each, or CPU 0 alone); the CPUs for nginx, Redis and the load (None: float)."""
    n = len(cluster.nodes)
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return {}, None
    servers = {node.name: {available[i % len(available)]} for i, node in enumerate(cluster.nodes)}
    rest = {available[1]} if n == 1 else None
    for node in cluster.nodes:
        assert node.process is not None
        pin(node.process.pid, servers[node.name])
    assert cluster.proxy.process is not None and cluster.redis.process is not None
    for pid in [cluster.proxy.process.pid, *children(cluster.proxy.process.pid), cluster.redis.process.pid]:
        pin(pid, rest or set(available))
    return servers, rest


def describe(servers: dict[str, set[int]], rest: set[int] | None) -> str:
    if not servers:
        return "not pinned (fewer than 2 CPUs)"
    pinned = ", ".join(f"{name} on CPU {min(cpus)}" for name, cpus in servers.items())
    others = f"CPU {min(rest)}" if rest else "both cores (not pinned)"
    return f"{pinned}; nginx, Redis and the load on {others}; PostgreSQL not pinned"


# ---------------------------------------------------------------- workers (subprocesses of this script)


async def commands() -> AsyncIterator[Stats]:
    """The parent's commands, one JSON object a line on stdin."""
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        yield json.loads(line)


def reply(message: Stats) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def sleep_until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment`` (the same clock in every process)."""
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def arena_worker(url: str, seed: int) -> None:
    """One world's players over its lane: ``connect`` to N players, ``measure`` a window, ``quit``."""
    ramp = Ramp(Plan(url, "parlor", [1], seed=seed))
    players = ramp.players
    sender = asyncio.create_task(send_input(players, ramp.kind.period, SLOTS))
    try:
        async for command in commands():
            if command["op"] == "connect":
                ramp.n = command["n"]
                refused = await ramp.connect()
                failure = next((p.failure for p in players if p.failure), "")
                reply({"alive": sum(p.alive for p in players), "refused": refused, "failure": failure})
            elif command["op"] == "measure":
                reply(await arena_window(players, command["at"], command["window"]))
            else:
                break
    finally:
        sender.cancel()
        for p in players:
            p.close()
        await asyncio.sleep(0.1)


async def arena_window(players: list[Any], at: float, window: float) -> Stats:
    """Update gaps of every joined player over one window, as core.loadtest.client.measure, plus a histogram."""
    live = [p for p in players if p.opened]
    dropped0, rejected0 = sum(p.dropped_at is not None for p in live), sum(p.rejected for p in live)
    gc.collect()
    gc.freeze()  # keep this worker's own full collections out of the arrival times
    await sleep_until(at)
    for p in live:
        del p.arrivals[:-1]  # the last arrival anchors the first gap
    t0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(window)
    t1, cpu1 = time.perf_counter(), time.process_time()
    gaps: list[float] = []
    received = 0
    for p in live:
        mine, count = window_gaps(p.arrivals, t0, t1)
        gaps.extend(mine)
        received += count
    gaps = sorted(1000 * g for g in gaps)
    alive = sum(p.alive for p in live)
    histogram = Counter(round(g, 1) for g in gaps)
    return {
        "players": len(live), "alive": alive, "p50": percentile(gaps, 50), "p95": percentile(gaps, 95),
        "p99": percentile(gaps, 99), "max": gaps[-1] if gaps else float("nan"),
        "hz": received / (t1 - t0) / max(alive, 1), "dropped": sum(p.dropped_at is not None for p in live) - dropped0,
        "rejected": sum(p.rejected for p in live) - rejected0, "histogram": sorted(histogram.items()),
        "client_cpu": 100 * (cpu1 - cpu0) / (t1 - t0),
    }  # fmt: skip


class Refused(Exception):
    """The server answered a move with an error."""


async def state_where(ws: ClientConnection, want: Callable[[Stats], bool]) -> Stats:
    """The next ``room.state`` that ``want`` accepts, skipping others; an error reply raises ``Refused``."""
    while True:
        message = json.loads(await ws.recv())
        kind = message.get("type")
        if kind == "room.state" and want(message):
            return message  # type: ignore[no-any-return]
        if kind == "error":
            raise Refused(str(message.get("message")))


@dataclass
class Table:
    """One Connect Four game: two guests' room sockets, and the moves each has seen."""

    columns: list[int]
    room: str = ""
    sockets: list[ClientConnection] = field(default_factory=list)
    seats: list[int] = field(default_factory=list)  # each socket's seat in the current match
    latencies: list[float] = field(default_factory=list)  # ms, moves sent inside the window
    moves: int = 0  # moves sent inside the window and seen by both
    total: int = 0
    rematches: int = 0
    errors: int = 0
    failure: str = ""
    cookies: tuple[str, str] = ("", "")

    async def create(self, ws_url: str, cookies: tuple[str, str]) -> None:
        """The first guest creates a private room in the lobby (on whichever process its lobby socket reached)."""
        self.cookies = cookies
        async with await open_socket(ws_url, "/ws/lobby/", cookies[0]) as lobby:
            await send(lobby, type="lobby.create", game="connect4", options={}, public=False)
            self.room = str((await expect(lobby, "lobby.created", TIMEOUT))["room"]["id"])

    async def join(self, ws_url: str) -> None:
        """Both guests open the room socket, as the room page does; the second sits with the join key."""
        path = f"/ws/room/{self.room}/"
        first = await open_socket(ws_url, path, self.cookies[0])
        link = (await expect(first, "room.state", TIMEOUT))["room"]["join_url"]
        second = await open_socket(ws_url, path, self.cookies[1])
        await send(second, type="room.sit", key=link.rstrip("/").rsplit("/", 1)[1])
        self.sockets = [first, second]
        states = [await expect_state(ws, TIMEOUT, status="playing") for ws in self.sockets]
        self.seats = [state["you"]["seat"] for state in states]

    async def play(self, start: float, t0: float, t1: float) -> None:
        """Move as fast as the server accepts until ``t1``; count and time the moves sent in [t0, t1)."""
        await sleep_until(start)
        done = 0  # moves in this match
        try:
            while time.monotonic() < t1:
                mover = self.seats.index(done % 2)  # seat 0 moves first, then turns alternate
                sent, counted = time.perf_counter(), time.monotonic() >= t0
                await self.sockets[mover].send(json.dumps({"type": "play", "column": self.columns[done]}))
                async with asyncio.timeout(TIMEOUT):
                    for ws in (self.sockets[1 - mover], self.sockets[mover]):
                        state = await state_where(ws, lambda s, n=done + 1: len(s["view"]["moves"]) == n)
                done += 1
                self.total += 1
                if counted:
                    self.moves += 1
                    self.latencies.append(1000 * (time.perf_counter() - sent))
                if state["room"]["status"] == "finished":
                    await self.rematch(state["room"]["match"])
                    done = 0
        except (Refused, TimeoutError, OSError) as error:
            self.errors += 1
            self.failure = f"{type(error).__name__}: {error}"

    async def rematch(self, match: int) -> None:
        """Both ask for a rematch; the new match starts with the seats rotated."""
        for ws in self.sockets:
            await send(ws, type="room.rematch")
        async with asyncio.timeout(TIMEOUT):
            for i, ws in enumerate(self.sockets):
                state = await state_where(ws, lambda s: s["room"]["match"] == match + 1 and not s["view"]["moves"])
                self.seats[i] = state["you"]["seat"]
        self.rematches += 1

    def report(self) -> Stats:
        return {
            "room": self.room, "moves": self.moves, "total": self.total, "latencies": self.latencies,
            "rematches": self.rematches, "errors": self.errors, "failure": self.failure,
        }  # fmt: skip


async def connect4_worker(http_url: str, ws_url: str, seed: int) -> None:
    """Games: ``create`` G rooms, ``join`` them (both players seated), ``play`` a window, ``quit``."""
    rng = random.Random(seed)
    sequences = [drawn_sequence(rng) for _ in range(10)]
    tables: list[Table] = []
    loop = asyncio.get_running_loop()
    try:
        async for command in commands():
            if command["op"] == "create":
                fresh = [Table(sequences[i % len(sequences)]) for i in range(command["games"])]
                guests: list[str] = []
                while len(guests) < min(2 * len(fresh), GUESTS):
                    guests += await asyncio.gather(
                        *(loop.run_in_executor(None, guest_cookie, http_url) for _ in range(OPEN_BATCH))
                    )
                failed = 0
                for start in range(0, len(fresh), OPEN_BATCH):
                    batch = fresh[start : start + OPEN_BATCH]
                    pairs = [
                        (guests[2 * i % len(guests)], guests[(2 * i + 1) % len(guests)])
                        for i in range(start, start + len(batch))
                    ]
                    made = await asyncio.gather(
                        *(t.create(ws_url, pair) for t, pair in zip(batch, pairs, strict=True)), return_exceptions=True
                    )
                    failed += sum(isinstance(result, BaseException) for result in made)
                    tables += [
                        t for t, result in zip(batch, made, strict=True) if not isinstance(result, BaseException)
                    ]
                reply({"rooms": [t.room for t in tables], "failed": failed})
            elif command["op"] == "join":
                joined: list[Table] = []
                for start in range(0, len(tables), OPEN_BATCH):
                    batch = tables[start : start + OPEN_BATCH]
                    done = await asyncio.gather(*(t.join(ws_url) for t in batch), return_exceptions=True)
                    for result in done:
                        if isinstance(result, BaseException):
                            print(f"connect4: a game did not start: {result!r}", file=sys.stderr)
                    joined += [
                        t for t, result in zip(batch, done, strict=True) if not isinstance(result, BaseException)
                    ]
                failed = len(tables) - len(joined)
                tables[:] = joined
                reply({"rooms": [t.room for t in tables], "failed": failed})
            elif command["op"] == "play":
                gc.collect()
                gc.freeze()
                jitter = random.Random(seed)
                await asyncio.gather(
                    *(t.play(command["start"] + jitter.uniform(0, 0.05), command["t0"], command["t1"]) for t in tables)
                )
                reply({"tables": [t.report() for t in tables]})
            else:
                break
    finally:
        for table in tables:
            for ws in table.sockets:
                ws.transport.abort()


def worker_main(args: argparse.Namespace) -> None:
    if args.worker == "arena":
        uvloop.run(arena_worker(args.url, args.seed))
    else:
        uvloop.run(connect4_worker(args.http_url, args.url, args.seed))


# ---------------------------------------------------------------- the parent


class Worker:
    """A worker subprocess: one JSON command a line in, one JSON reply a line out."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, *options: str, cpus: set[int] | None) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), *options,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26,
        )  # fmt: skip
        pin(process.pid, cpus or os.sched_getaffinity(0))
        return cls(process)

    async def ask(self, command: Stats, timeout: float = 600) -> Stats:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"worker {self.process.pid} exited with {await self.process.wait()}")
        return json.loads(line)  # type: ignore[no-any-return]

    async def stop(self) -> None:
        if self.process.returncode is None:
            try:
                await self.ask({"op": "quit"}, timeout=0.1)
            except (TimeoutError, RuntimeError, BrokenPipeError, ConnectionResetError):
                pass
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def merged(histograms: list[list[list[float]]]) -> Stats:
    """p50/p95/p99/max of the union of several gap histograms (0.1 ms bins)."""
    counts: Counter[float] = Counter()
    for histogram in histograms:
        for value, count in histogram:
            counts[value] += int(count)
    total = sum(counts.values())
    out: Stats = {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    seen = 0
    marks = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
    for value in sorted(counts):
        seen += counts[value]
        for name, q in marks.items():
            if math.isnan(out[name]) and seen > q * total:  # the first bin past the quantile
                out[name] = value
        out["max"] = value
    return out


def new_cluster(workdir: Path, n: int, env: dict[str, str]) -> Cluster:
    print(f"starting {n} process{'es' if n > 1 else ''} behind nginx in {workdir} ...", flush=True)
    return Cluster(workdir, n=n, env=env)


async def arena_world(cluster: Cluster, k: int) -> tuple[str, str]:
    """An arena room on process k, and the lane URL its page is given.

    The lobby lets a new room go so that it loads where its first socket arrives (``runtime.let_go``): a first
    socket opened on k itself loads it there, wherever nginx would hash it."""
    node = cluster.process(k)
    cookie = await asyncio.to_thread(guest_cookie, node.url)
    async with await open_socket(node.ws_url, "/ws/lobby/", cookie) as lobby:
        await send(lobby, type="lobby.create", game="arena", options={}, public=True)
        room = str((await expect(lobby, "lobby.created", TIMEOUT))["room"]["id"])
    async with await open_socket(node.ws_url, f"/ws/room/{room}/", cookie) as page:
        lane = str((await expect(page, "arena.lane", TIMEOUT))["url"])
    if f"/lane/{node.name}/" not in lane:
        raise RuntimeError(f"room {room} loaded on {node.name} but its page was sent to {lane}")
    return room, lane


async def arena(cluster: Cluster, args: argparse.Namespace) -> Stats:
    servers, rest = layout(cluster)
    worlds = [await arena_world(cluster, k) for k in range(1, len(cluster.nodes) + 1)]
    for k, (room, lane) in enumerate(worlds, start=1):
        print(f"  world {k}: room {room} on p{k}, lane {lane}")
    workers = [
        await Worker.start("--worker", "arena", "--url", lane, "--seed", str(args.seed + k), cpus=rest)
        for k, (_, lane, _) in enumerate(worlds)
    ]
    meter = cluster_meter(cluster, [w.process for w in workers])
    steps: list[Stats] = []
    try:
        failed_in_row = 0
        for n in args.arena_steps:
            began = time.monotonic()
            connected = await asyncio.gather(*(w.ask({"op": "connect", "n": n}) for w in workers))
            ramp_s = time.monotonic() - began
            await asyncio.sleep(args.settle)
            at = time.monotonic() + 0.2
            asked = [asyncio.create_task(w.ask({"op": "measure", "at": at, "window": args.window})) for w in workers]
            await sleep_until(at)
            meter.start()
            await sleep_until(at + args.window)
            cpu = meter.stop()
            windows = await asyncio.gather(*asked)
            held = all(
                w["alive"] == n and w["players"] == n and w["p95"] <= HELD_P95 and w["p99"] <= HELD_P99 for w in windows
            )
            step = {
                "n": n, "total": n * len(workers), "held": held, "ramp_s": ramp_s, "worlds": windows, "cpu": cpu,
                "refused": sum(c["refused"] for c in connected), "failure": next((c["failure"] for c in connected
                if c["failure"]), ""), **merged([w.pop("histogram") for w in windows]),
            }  # fmt: skip
            steps.append(step)
            print("  " + arena_line(step, cluster), flush=True)
            failed_in_row = 0 if held else failed_in_row + 1
            if failed_in_row >= 2:
                break
    finally:
        for w in workers:
            await w.stop()
    best = max((s["total"] for s in steps if s["held"]), default=0)
    return {"layout": describe(servers, rest), "steps": steps, "held": best, "more": bool(steps and steps[-1]["held"])}


def names(cluster_size: int) -> list[str]:
    return [f"p{i}" for i in range(1, cluster_size + 1)]


def cpu_text(cpu: Stats, processes: int) -> str:
    servers = " ".join(f"{cpu[name]:.0f}%" for name in names(processes))
    return (
        f"server {servers}, load {cpu['load']:.0f}%, nginx {cpu['nginx']:.0f}%, redis {cpu['redis']:.0f}%, "
        f"postgres {cpu['postgres']:.0f}%; cores busy {cpu.get('cpu0', 0):.0f}%/{cpu.get('cpu1', 0):.0f}%"
    )


def arena_line(s: Stats, cluster: Cluster) -> str:
    worlds = "; ".join(
        f"world {k}: {w['alive']}/{w['players']} p50/p95/p99 {w['p50']:.0f}/{w['p95']:.0f}/{w['p99']:.0f} ms "
        f"{w['hz']:.1f} Hz, its load {w['client_cpu']:.0f}%{'!' if w['client_cpu'] > CLIENT_BOUND else ''}"
        + (f", {w['dropped']} dropped" if w["dropped"] else "")
        for k, w in enumerate(s["worlds"], start=1)
    )
    refused = f", {s['refused']} refused ({s['failure']})" if s["refused"] else ""
    return (
        f"N={s['n']}/world ({s['total']} in all, ramp {s['ramp_s']:.1f}s{refused}): {worlds}; "
        f"CPU {cpu_text(s['cpu'], len(cluster.nodes))}: {'held' if s['held'] else 'NOT held'}"
    )


def actions(cluster: Cluster) -> dict[str, float]:
    """Connect Four moves accepted so far by each process (``parlor_actions`` in its /metrics)."""
    out = {}
    for node in cluster.nodes:
        with urllib.request.urlopen(node.url + "/metrics", timeout=5) as response:
            text = response.read().decode()
        out[node.name] = sum(
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "parlor_actions"
            for sample in family.samples
            if sample.labels.get("game") == "connect4"
        )
    return out


def owners(cluster: Cluster, rooms: list[str]) -> list[str]:
    """The process holding each room's lease (core/rooms/placement.py): ``p1``, ``p2``..."""
    redis = Redis.from_url(cluster.redis.url)
    holders = redis.mget([f"{cluster.env['REDIS_PREFIX']}:owner:{room}" for room in rooms]) if rooms else []
    redis.close()
    return [holder.decode().split("@", 1)[0] if holder else "?" for holder in holders]


def loaded_rooms(cluster: Cluster) -> int:
    """Connect Four rooms loaded in all processes (``parlor_rooms`` in their /metrics)."""
    total = 0.0
    for node in cluster.nodes:
        with urllib.request.urlopen(node.url + "/metrics", timeout=5) as response:
            text = response.read().decode()
        total += sum(
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "parlor_rooms"
            for sample in family.samples
            if sample.labels.get("game") == "connect4"
        )
    return int(total)


async def connect4(cluster: Cluster, args: argparse.Namespace, placement: str) -> Stats:
    """Games through nginx; ``hashed``: each room unloaded after its creation, so nginx's hash target loads it."""
    servers, rest = layout(cluster)
    n = len(cluster.nodes)
    workers = [
        await Worker.start("--worker", "connect4", "--url", cluster.ws_url, "--http-url", cluster.url,
                           "--seed", str(args.seed + k), cpus=rest)
        for k in range(n)
    ]  # fmt: skip
    meter = cluster_meter(cluster, [w.process for w in workers])
    try:
        shares = [args.games // n + (k < args.games % n) for k in range(n)]
        began = time.monotonic()
        made = await asyncio.gather(
            *(w.ask({"op": "create", "games": g}) for w, g in zip(workers, shares, strict=True))
        )
        if placement == "hashed":  # every room empty: the sweep (every 5 s) unloads it and gives up its lease
            deadline = time.monotonic() + 60
            while loaded_rooms(cluster) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
        opened = await asyncio.gather(*(w.ask({"op": "join"}) for w in workers))
        open_s = time.monotonic() - began
        rooms = [room for o in opened for room in o["rooms"]]
        await asyncio.sleep(0.5)  # uvicorn logs each accepted socket
        where = {
            room: (held_by, sorted({f"p{i}" for i in cluster.serving(f"/ws/room/{room}/")}))
            for room, held_by in zip(rooms, owners(cluster, rooms), strict=True)
        }
        start = time.monotonic() + 0.5
        t0, t1 = start + args.warmup, start + args.warmup + args.c4_window
        play = [asyncio.create_task(w.ask({"op": "play", "start": start, "t0": t0, "t1": t1})) for w in workers]
        await sleep_until(t0)
        accepted0 = actions(cluster)
        meter.start()
        await sleep_until(t1)
        cpu = meter.stop()
        accepted1 = actions(cluster)
        tables = [t for result in await asyncio.gather(*play) for t in result["tables"]]
    finally:
        for w in workers:
            await w.stop()
    local = [t for t in tables if where[t["room"]][1] == [where[t["room"]][0]]]
    forwarded = [t for t in tables if t not in local]
    failed = sum(o["failed"] for o in [*made, *opened])
    return {
        "layout": describe(servers, rest), "placement": placement, "games": len(tables), "failed": failed,
        "open_s": open_s, "cpu": cpu, "window": args.c4_window,
        "per_process": {name: (accepted1[name] - accepted0[name]) / args.c4_window for name in accepted0},
        "all": moves_summary(tables, args.c4_window), "local": moves_summary(local, args.c4_window),
        "forwarded": moves_summary(forwarded, args.c4_window),
        "errors": sum(t["errors"] for t in tables), "failures": sorted({t["failure"] for t in tables if t["failure"]}),
        "rematches": sum(t["rematches"] for t in tables), "owners": dict(Counter(o for o, _ in where.values())),
    }  # fmt: skip


def moves_summary(tables: list[Stats], window: float) -> Stats:
    latencies = sorted(ms for t in tables for ms in t["latencies"])
    moves = sum(t["moves"] for t in tables)
    return {
        "games": len(tables), "moves": moves, "per_s": moves / window, "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
        "max": latencies[-1] if latencies else float("nan"),
    }  # fmt: skip


def c4_lines(r: Stats, processes: int) -> list[str]:
    a = r["all"]
    cpu = r["cpu"]
    server_ms = sum(cpu[name] for name in names(processes)) * 10 / max(a["per_s"], 1)  # % of a core -> ms/s
    lines = [
        f"{r['games']} games ({r['failed']} failed to open, in {r['open_s']:.1f}s; rooms owned by "
        f"{', '.join(f'{k} {v}' for k, v in sorted(r['owners'].items()))}): {a['moves']} moves in {r['window']:g}s = "
        f"{a['per_s']:.0f}/s (per owner process: "
        f"{', '.join(f'{k} {v:.0f}/s' for k, v in r['per_process'].items())}), {r['rematches']} rematches, "
        f"errors {r['errors']}{' ' + '; '.join(r['failures'][:3]) if r['failures'] else ''}",
        f"round trip p50/p95/p99/max {a['p50']:.1f}/{a['p95']:.1f}/{a['p99']:.1f}/{a['max']:.0f} ms; "
        f"CPU {cpu_text(cpu, processes)}; server CPU per move {server_ms:.2f} ms",
    ]
    if r["forwarded"]["games"] and r["local"]["games"]:
        for name in ("local", "forwarded"):
            s = r[name]
            lines.append(
                f"{name}: {s['games']} games, {s['per_s']:.0f} moves/s, round trip p50/p95/p99 "
                f"{s['p50']:.1f}/{s['p95']:.1f}/{s['p99']:.1f} ms"
            )
    elif r["forwarded"]["games"]:
        lines.append(f"all {r['forwarded']['games']} games forwarded (sockets on a process other than the owner)")
    return lines


def per_move(cpu: Stats, rate: float, name: str) -> float:
    """CPU milliseconds a component spent per accepted move."""
    return cpu[name] * 10 / max(rate, 1e-9)


def summary(results: dict[int, Stats], args: argparse.Namespace) -> None:
    counts = sorted(results)
    print("\n" + "=" * 100)
    cpu_model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    print(f"Scale with server processes: {os.cpu_count()} CPUs ({cpu_model}), {time.strftime('%Y-%m-%d')}")
    for p in counts:
        layout_text = next((part["layout"] for part in results[p].values()), "")
        print(f"  {p} process{'es' if p > 1 else ''}: {layout_text}")
    print("  The load generator (Python) shares these 2 cores with the servers, nginx, Redis and PostgreSQL;")
    print("  its CPU is in the 'load' column. A bigger machine would give it cores of its own.")
    header = f"\n{'':34}" + "".join(f"{f'{p} process' + ('es' if p > 1 else ''):>22}" for p in counts)
    if len(counts) == 2:
        header += f"{'ratio':>10}"
    print(header)

    def row(label: str, values: list[float | None], fmt: str, ratio: bool = True) -> None:
        text = f"{label:34}" + "".join(f"{format(v, fmt) if v is not None else '-':>22}" for v in values)
        if ratio and len(values) == 2 and values[0] and values[1] is not None:
            text += f"{values[1] / values[0]:>9.2f}x"
        print(text)

    arena_runs = [results[p].get("arena") for p in counts]
    if any(arena_runs):
        held = [a["held"] if a else None for a in arena_runs]
        row("arena: players held at 20 Hz", held, ",d")
        best = [next((s for s in a["steps"] if s["total"] == a["held"]), None) if a else None for a in arena_runs]
        for key in ("p50", "p95", "p99"):
            row(f"  gap {key} at that size (ms)", [s[key] if s else None for s in best], ".0f", ratio=False)
        for i, p in enumerate(counts):
            s = best[i]
            if s:
                cpu, hundreds = s["cpu"], s["total"] / 100
                server = sum(cpu[name] for name in names(p)) / hundreds
                print(
                    f"  {p}: per world {s['n']} players; CPU {cpu_text(cpu, p)}; per 100 players (% of a core): "
                    f"server {server:.1f}, nginx {cpu['nginx'] / hundreds:.1f}, load {cpu['load'] / hundreds:.1f}"
                )
    for placement, meaning in PLACEMENTS.items():
        c4_runs = [results[p].get(f"connect4-{placement}") for p in counts]
        if not any(c4_runs):
            continue
        print(f"connect4, {placement}: {meaning}")
        rate = [c["all"]["per_s"] if c else None for c in c4_runs]
        row("  accepted moves/s", rate, ",.0f")
        for key in ("p50", "p99"):
            row(f"  round trip {key} (ms)", [c["all"][key] if c else None for c in c4_runs], ".1f", ratio=False)
        shares = [100 * c["forwarded"]["games"] / max(c["games"], 1) if c else None for c in c4_runs]
        row("  games forwarded (%)", shares, ".0f", ratio=False)
        for name in ("server", "load", "nginx", "redis", "postgres"):
            values: list[float | None] = []
            for i, c in enumerate(c4_runs):
                group = names(counts[i]) if name == "server" else [name]
                values.append(sum(per_move(c["cpu"], c["all"]["per_s"], g) for g in group) if c else None)
            row(f"  {name} CPU per move (ms)", values, ".3f", ratio=False)
    print(
        "\nheld: every world has all its players connected, gap p95 <= 60 ms and p99 <= 100 ms; CPU in % of one core;"
        "\nround trip: a move's send until both players have its room.state (stored, fanned out, forwarded if so)."
    )


PLACEMENTS = {
    "lobby": "rooms as deployed: the lobby lets each new room go, its first socket's process loads it",
    "hashed": "each room reloaded on the process nginx hashes it to",
}


async def run(args: argparse.Namespace) -> dict[int, Stats]:
    results: dict[int, Stats] = {}
    base = Path(tempfile.mkdtemp(prefix="cluster-scale-"))
    for p in args.processes:
        results[p] = {}
        parts = [f"connect4-{placement}" for placement in args.placements] if "connect4" in args.only else []
        parts += ["arena"] if "arena" in args.only else []
        for part in parts:
            placement = part.removeprefix("connect4-")
            if p == 1 and placement == "hashed" and "connect4-lobby" in results[p]:
                results[p][part] = results[p]["connect4-lobby"]  # one process: every room is where it is hashed
                continue
            title = f"{part} ({PLACEMENTS[placement]})" if part != "arena" else part
            print(f"\n== {title}, {p} process{'es' if p > 1 else ''} ==", flush=True)
            env = {**PRODUCTION, **({"PARLOR_ROOM_IDLE_UNLOAD": "1"} if placement == "hashed" else {})}
            cluster = await asyncio.to_thread(new_cluster, base / f"{part}-{p}", p, env)
            try:
                if part == "arena":
                    results[p][part] = await arena(cluster, args)
                else:
                    results[p][part] = await connect4(cluster, args, placement)
            except Exception as error:  # one part failing must not lose the others' figures
                print(f"  {part} failed: {type(error).__name__}: {error}; logs in {cluster.workdir}", flush=True)
                continue
            finally:
                await asyncio.to_thread(cluster.stop_all)
            if part == "arena":
                a = results[p][part]
                print(f"  held {a['held']}{'+' if a['more'] else ''} players in all", flush=True)
            else:
                print("\n".join("  " + line for line in c4_lines(results[p][part], p)), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: arena 100,200 per world, 3 s windows")
    parser.add_argument("--processes", default="1,2", help="server process counts to measure (default 1,2)")
    parser.add_argument("--only", default="arena,connect4", help="parts: arena, connect4 (default both)")
    parser.add_argument("--arena-steps", default="200,300,400,500,600,700,800,1000,1200,1500,2000",
                        help="players per world at each step (one world per process)")  # fmt: skip
    parser.add_argument("--window", type=float, default=10.0, help="arena: seconds measured at each step")
    parser.add_argument("--settle", type=float, default=2.0, help="arena: seconds from reaching N to the window")
    parser.add_argument("--games", type=int, default=200, help="connect4: games at once (two sockets each)")
    parser.add_argument("--warmup", type=float, default=3.0, help="connect4: seconds of play before the window")
    parser.add_argument("--c4-window", type=float, default=20.0, help="connect4: seconds of play measured")
    parser.add_argument("--placements", default="lobby,hashed", help="connect4: lobby, hashed (see --help)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--worker", choices=("arena", "connect4"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--http-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers and workers inherit it
    if args.worker:
        worker_main(args)
        return
    if args.quick:
        args.arena_steps, args.window, args.settle = "100,200", 3.0, 1.0
        args.games, args.warmup, args.c4_window = min(args.games, 60), 1.0, 3.0
    args.processes = [int(p) for p in args.processes.split(",")]
    args.only = set(args.only.split(","))
    args.placements = [name for name in args.placements.split(",") if name in PLACEMENTS]
    args.arena_steps = sorted({int(n) for n in args.arena_steps.split(",")})
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops the cluster as Ctrl-C does
    results = uvloop.run(run(args))
    summary(results, args)
    if args.json:
        args.json.write_text(json.dumps({"args": {k: sorted(v) if isinstance(v, set) else str(v) if isinstance(
            v, Path) else v for k, v in vars(args).items()}, "results": results}, indent=1, default=str))  # fmt: skip


if __name__ == "__main__":
    main()
