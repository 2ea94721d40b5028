"""Arena at 20 Hz: how many players the seed's arena and Parlor's arena each hold, measured in one run.

Both speak the seed tutorial's protocol: the server sends {"type":"playerId",...} first, then
{"type":"stateUpdate","objects":[...]} about every 50 ms; clients send {"type":"facing",...} every 50 ms and
mouseDown/mouseUp. Baseline: ../shared/baselines/seed_arena (tutorial consumer, in-memory layer) copied to
--baseline-cache outside the repository with its own venv (pip install Django channels daphne, once), served
by Daphne on /ws/game/. Parlor: uvicorn on a fresh database as the e2e tests start it (LiveServer), /ws/arena/.

Servers run pinned to CPU 0; this process (the load client, one asyncio loop) pins itself to CPU 1. At each
step N it opens connections until N are up (each reads its playerId, then sends facing every 50 ms, slowly
rotating, and toggles thrust every second), waits --settle s, then measures --window s. The gaps are every
interval between consecutive stateUpdate arrivals (perf_counter) of each client ending inside the window, plus
each client's gap still open at its end (a stalled server shows as a long gap, not as no sample). "Held":
p95 gap <= 60 ms and p99 <= 100 ms with all N connected; a ramp ends after --stop-after failed steps in a row.
CPU: the server's from /proc/PID/stat, the client's from process_time (above 80 % the step is flagged "!").

    .venv/bin/python benchmarks/arena_compat.py --steps 20,50,100,200,300 --window 10
    .venv/bin/python benchmarks/arena_compat.py --only parlor --steps 100,300,500,1000 --json /tmp/arena.json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.connection import broadcast
from websockets.exceptions import ConnectionClosed, WebSocketException

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import LiveServer, free_port  # noqa: E402

TICK = 0.05
SLOTS = 10  # input is sent from one task in SLOTS phases per tick, so clients don't all send at once
CONNECT_BATCH = 25
TIMEOUT = 10.0  # every wait on a server (handshake, first message, close) is bounded by this
VERSIONS = "import importlib.metadata as m; print(*(f'{x} {m.version(x)}' for x in ('Django', 'channels', 'daphne')))"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu0_busy() -> float:
    """Seconds CPU 0 ran processes (user, nice, system) or was stolen by the hypervisor; not interrupts."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\ncpu0 ", 1)[1].split()[:8]]
    return (ticks[0] + ticks[1] + ticks[2] + ticks[7]) / os.sysconf("SC_CLK_TCK")


def is_state(frame: bytes) -> bool:
    """Whether a frame is a stateUpdate, reading only its ends: the "type" key comes first or last."""
    if frame.find(b'"stateUpdate"', 0, 48) >= 0 or frame.find(b'"stateUpdate"', len(frame) - 48) >= 0:
        return True
    if b'"objects"' in frame[:48]:  # another key order: decode, this is the slow path
        return bool(json.loads(frame).get("type") == "stateUpdate")
    return False


class Player:
    """One load-client connection: reads playerId, then sends input and timestamps every stateUpdate."""

    def __init__(self, rng: random.Random) -> None:
        self.phase = rng.uniform(0, 2 * math.pi)
        self.arrivals: list[float] = []
        self.alive = self.opened = self.closing = False
        self.errors, self.ticks, self.failure = 0, 0, ""
        self.reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> bool:
        try:
            self.ws: ClientConnection = await connect(
                url, compression=None, max_size=None, open_timeout=TIMEOUT, close_timeout=2, ping_interval=None
            )
            deadline = time.monotonic() + TIMEOUT
            while True:
                message = await asyncio.wait_for(self.ws.recv(decode=False), deadline - time.monotonic())
                if not is_state(message) and json.loads(message).get("type") == "playerId":
                    self.pid = json.dumps(json.loads(message)["playerId"])  # echoed verbatim
                    break
        except (OSError, TimeoutError, WebSocketException, ValueError, KeyError) as error:
            self.failure = f"{type(error).__name__}: {error}"
            return False
        self.alive = self.opened = True
        self.down = f'{{"type":"mouseDown","playerId":{self.pid}}}'
        self.up = f'{{"type":"mouseUp","playerId":{self.pid}}}'
        self.reader = asyncio.create_task(self.read())
        return True

    async def read(self) -> None:
        clock = time.perf_counter
        try:
            while True:
                frame = await self.ws.recv(decode=False)
                now = clock()
                if is_state(frame):
                    self.arrivals.append(now)
        except ConnectionClosed:
            if not self.closing:
                self.errors += 1
            self.alive = False

    def send(self, now: float) -> None:
        """This tick's input: facing, slowly rotating, and every second thrust on or off.

        broadcast() to one connection writes without awaiting (a send never blocks the shared input task)."""
        facing = (self.phase + 0.5 * now) % (2 * math.pi)
        broadcast([self.ws], f'{{"type":"facing","playerId":{self.pid},"facing":{facing:.4f}}}')
        if self.ticks % 20 == 0:
            broadcast([self.ws], self.down if self.ticks % 40 == 0 else self.up)
        self.ticks += 1

    async def close(self) -> None:
        self.closing = True
        if self.reader is not None:
            self.reader.cancel()
        if hasattr(self, "ws"):
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
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else math.nan


async def measure(players: list[Player], n: int, failures: int, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    """Settle, then one window: gaps, rates, CPU."""
    await asyncio.sleep(args.settle)
    gc.collect()
    gc.freeze()  # keep the client's own full collections out of the arrival times
    errors_before = sum(p.errors for p in players)
    for p in players:
        del p.arrivals[:-1]  # keep the last arrival as the anchor of the first gap
    server0, client0, core0, t0 = cpu_seconds(pid), time.process_time(), cpu0_busy(), time.perf_counter()
    await asyncio.sleep(args.window)
    t1, client1, server1, core1 = time.perf_counter(), time.process_time(), cpu_seconds(pid), cpu0_busy()
    gaps: list[float] = []
    received = 0
    for p in (p for p in players if p.opened):  # clients that never connected count as failures only
        times = [t for t in p.arrivals if t <= t1]
        received += sum(1 for t in times if t >= t0)
        gaps.extend(b - a for a, b in zip(times, times[1:], strict=False) if b >= t0)
        gaps.append(t1 - times[-1] if times else t1 - t0)  # the gap still open at the end
    gaps = sorted(1000 * g for g in gaps)
    live = sum(p.alive for p in players)
    stats = {
        "n": n, "connected": live, "connect_failures": failures,
        "errors": sum(p.errors for p in players) - errors_before,
        "p50": percentile(gaps, 50), "p90": percentile(gaps, 90), "p95": percentile(gaps, 95),
        "p99": percentile(gaps, 99), "max": gaps[-1] if gaps else math.nan, "gaps": len(gaps),
        "msgs_per_s": received / (t1 - t0), "per_client_hz": received / (t1 - t0) / max(live, 1),
        "server_cpu": 100 * (server1 - server0) / (t1 - t0), "client_cpu": 100 * (client1 - client0) / (t1 - t0),
        "cpu0_other": max(0.0, 100 * (core1 - core0 - (server1 - server0)) / (t1 - t0)),
    }  # fmt: skip
    stats["held"] = live == n and stats["p95"] <= 60 and stats["p99"] <= 100
    stats["client_bound"] = stats["client_cpu"] > 80  # then the figures may be the client's, not the server's
    return stats


async def ramp(name: str, url: str, proc: subprocess.Popen[bytes], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Add clients step by step, measuring each step, until two steps fail in a row or the server dies."""
    rng = random.Random(args.seed)
    players: list[Player] = []
    results: list[dict[str, Any]] = []
    failures, failed_in_row = 0, 0
    sender = asyncio.create_task(send_input(players))
    try:
        for n in args.steps:
            if proc.poll() is not None:
                print(f"  {name}: server exited with {proc.returncode}", flush=True)
                break
            started = time.perf_counter()
            while len(players) < n:
                batch = [Player(rng) for _ in range(min(CONNECT_BATCH, n - len(players)))]
                opened = await asyncio.gather(*(p.open(url) for p in batch))
                if False in opened and not failures:
                    print(f"  {name}: connect failed: {batch[opened.index(False)].failure}", flush=True)
                failures += opened.count(False)
                players.extend(batch)
            ramp_s = time.perf_counter() - started
            stats = await measure(players, n, failures, proc.pid, args)
            stats["ramp_s"] = ramp_s
            results.append(stats)
            s = stats
            print(
                f"  {name} N={n}: {s['connected']} connected ({failures} failed, {s['errors']} dropped), "
                f"gap p50/p95/p99/max {s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}/{s['max']:.0f} ms, "
                f"{s['msgs_per_s']:.0f} msg/s ({s['per_client_hz']:.1f} Hz each), CPU server {s['server_cpu']:.0f}%, "
                f"client {s['client_cpu']:.0f}%{' (client-bound!)' if s['client_bound'] else ''}, "
                f"others on CPU 0 {s['cpu0_other']:.0f}%: {'held' if s['held'] else 'NOT held'}",
                flush=True,
            )
            failed_in_row = 0 if stats["held"] else failed_in_row + 1
            if args.stop_after and failed_in_row >= args.stop_after:
                break
    finally:
        sender.cancel()
        await asyncio.gather(*(p.close() for p in players), return_exceptions=True)
        gc.unfreeze()
    return results


def prepare_baseline(source: Path, cache: Path) -> Path:
    """Copy the seed arena outside the repository and give it its own venv (installed once)."""
    app = cache / "seed_arena"
    shutil.copytree(source, app, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3", ".venv"))
    venv = cache / "venv"
    if not (venv / "bin" / "daphne").exists():
        print(f"creating {venv} and installing Django channels daphne ...", flush=True)
        subprocess.run([shutil.which("python3") or "python3", "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "Django", "channels", "daphne"]
        done = subprocess.run(pip, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"pip install failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return venv


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(TIMEOUT)


async def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    venv = prepare_baseline(args.baseline_src, args.baseline_cache)
    port = free_port()
    log = args.baseline_cache / "daphne.log"
    command = ["taskset", "-c", "0", str(venv / "bin" / "daphne"), "-b", "127.0.0.1", "-p", str(port),
               "multiplayer_channels_demo.asgi:application"]  # fmt: skip
    with log.open("ab") as out:
        env = {**os.environ, "ARENA_LAYER": "memory", "PYTHONPATH": ""}
        proc = subprocess.Popen(command, cwd=args.baseline_cache / "seed_arena", env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"daphne did not start; see {log}") from None
                time.sleep(0.1)
        installed = subprocess.run([venv / "bin" / "python", "-c", VERSIONS], capture_output=True, text=True).stdout
        print(f"baseline: daphne pid {proc.pid} on :{port}, {installed.strip()}", flush=True)
        steps = await ramp("baseline", f"ws://127.0.0.1:{port}/ws/game/", proc, args)
    finally:
        stop(proc)
    return {"server": "seed_arena: daphne + InMemoryChannelLayer, /ws/game/", "steps": steps}


async def run_parlor(args: argparse.Namespace) -> dict[str, Any]:
    server = LiveServer(Path(tempfile.mkdtemp(prefix="arena-bench-")), name="parlor_arena_bench")
    server.env["LOG_LEVEL"] = "WARNING"
    server.command_prefix = ["taskset", "-c", "0"]
    server.start()
    assert server.process is not None
    layer = "redis" if os.environ.get("REDIS_URL") else "in-memory"
    print(f"parlor: uvicorn pid {server.process.pid} at {server.url}, layer {layer}, log {server.log}", flush=True)
    try:
        steps = await ramp("parlor", server.ws_url + "/ws/arena/", server.process, args)
    finally:
        server.stop()
    return {"server": f"parlor: uvicorn, {layer} layer, /ws/arena/", "steps": steps}


def held(steps: list[dict[str, Any]]) -> tuple[int, str]:
    """The largest N held, and "+" when the ramp ended on a held step (then it is only a lower bound)."""
    return max((s["n"] for s in steps if s["held"]), default=0), "+" if steps and steps[-1]["held"] else ""


def report(results: dict[str, dict[str, Any]]) -> None:
    names = list(results)
    rows = {name: {s["n"]: s for s in results[name]["steps"]} for name in names}
    header = "     N"
    for name in names:
        header += f" | {name + ' gap p50/p95/p99/max ms':>32} {'msg/s':>6} {'srv%':>4} {'cli%':>4} {'fail':>4} held"
    print("\n" + header + "\n" + "-" * len(header))
    for n in sorted({n for r in rows.values() for n in r}):
        line = f"{n:6d}"
        for name in names:
            s = rows[name].get(n)
            if s is None:
                line += f" | {'-':>32} {'':>6} {'':>4} {'':>4} {'':>4}  -  "
                continue
            gaps = f"{s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}/{s['max']:.0f}"
            fail = s["n"] - s["connected"]
            line += (f" | {gaps:>32} {s['msgs_per_s']:6.0f} {s['server_cpu']:4.0f} {s['client_cpu']:4.0f} "
                     f"{fail:4d} {('yes' if s['held'] else 'no') + ('!' if s['client_bound'] else ''):>4}")  # fmt: skip
        print(line)
    print("\nheld: p95 gap <= 60 ms and p99 <= 100 ms with all N connected; fail: clients not connected at the end;")
    print("!: load client above 80 % CPU, so that step measured the client as much as the server")
    summary = ", ".join(f"{name} {''.join(map(str, held(results[name]['steps'])))}" for name in names)
    if len(names) == 2:
        (base, base_more), (ours, more) = held(results["baseline"]["steps"]), held(results["parlor"]["steps"])
        ratio = f"{ours / base:.1f}{more}{' (the baseline never failed)' if base_more else ''}" if base else "n/a"
        summary += f", ratio parlor/baseline {ratio}"
    print(f"held: {summary}")


async def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, runner in (("baseline", run_baseline), ("parlor", run_parlor)):
        if args.only in (None, name):
            try:
                results[name] = await runner(args)
            except Exception as error:  # one server failing to start must not lose the other's figures
                print(f"{name}: {type(error).__name__}: {error}", flush=True)
                results[name] = {"error": f"{type(error).__name__}: {error}", "steps": []}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="20,30,50,100,200,300,500,1000", help="comma-separated player counts")
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured at each step")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between reaching N and the window")
    parser.add_argument("--only", choices=["baseline", "parlor"])
    parser.add_argument("--json", type=Path, help="write the raw per-step results here")
    parser.add_argument("--stop-after", type=int, default=2, help="failed steps in a row that end a ramp; 0: never")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-src", type=Path, default=ROOT.parent / "shared" / "baselines" / "seed_arena")
    parser.add_argument("--baseline-cache", type=Path, default=Path(tempfile.gettempdir()) / "parlor-bench-baseline")
    args = parser.parse_args()
    args.steps = sorted({int(n) for n in args.steps.split(",")})
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if {0, 1} <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, {1})
    else:
        print("warning: fewer than 2 CPUs, client and server share one", file=sys.stderr)
    results = asyncio.run(run(args))
    report(results)
    if args.json:
        options = {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}
        args.json.write_text(json.dumps({"args": options, "results": results}, indent=1))


if __name__ == "__main__":
    main()
