"""Arena at 20 Hz: how many players the seed's arena and Parlor's arena each hold, measured in one run.

Both speak the seed tutorial's protocol: the server sends {"type":"playerId",...} first, then
{"type":"stateUpdate","objects":[...]} about every 50 ms; clients send {"type":"facing",...} every 50 ms and
mouseDown/mouseUp. Baseline: ../shared/baselines/seed_arena (tutorial consumer, in-memory layer) copied to
--baseline-cache outside the repository with its own venv (pip install Django channels daphne, once), served
by Daphne on /ws/game/. Parlor: uvicorn on a fresh database as the e2e tests start it (LiveServer), /ws/arena/.
The client is core.loadtest's, the one `manage.py loadtest` uses against any server.

Servers run pinned to CPU 0; this process (the load client, one asyncio loop) pins itself to CPU 1. At each
step N it opens connections until N are up (each reads its playerId, then sends facing every 50 ms, slowly
rotating, and toggles thrust every second), waits --settle s, then measures --window s. The gaps are every
interval between consecutive stateUpdate arrivals (perf_counter) of each client ending inside the window, plus
each client's gap still open at its end (a stalled server shows as a long gap, not as no sample). "Held":
p95 gap <= 60 ms and p99 <= 100 ms with all N connected; a ramp ends after --stop-after failed steps in a row.
CPU: the server's from /proc/PID/stat, the client's from process_time (above 80 % the step is flagged "!").

lane-stalled: --stall of the clients stop reading at each step. Each first shrinks its receive buffer to
--stall-buffer bytes: on one machine a stopped client's receive queue is the server's kernel memory, and every
frame in it pins the page it shares with other clients' frames, so filling 200 such queues made the server's
sends copy into fresh pages for seconds (10x the queued bytes). A client on another machine costs the server
only its own bounded send buffer. --stall-buffer 0 measures the co-located case, that cost included.

    .venv/bin/python benchmarks/arena_compat.py --steps 20,50,100,200,300 --window 10
    .venv/bin/python benchmarks/arena_compat.py --only parlor --steps 100,300,500,1000 --json /tmp/arena.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import uvloop
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import idle_sockets  # noqa: E402  (beside this file)

from core.loadtest.chart import write_chart  # noqa: E402
from core.loadtest.client import Listener, Plan, Stats, largest_held  # noqa: E402
from core.loadtest.client import ramp as run_ramp  # noqa: E402
from tests.server import LiveServer, free_port  # noqa: E402

T = TypeVar("T")

TIMEOUT = 10.0  # every wait on a server (start, close) is bounded by this
VERSIONS = "import importlib.metadata as m; print(*(f'{x} {m.version(x)}' for x in ('Django', 'channels', 'daphne')))"


class StepPrinter(Listener):
    """A progress line per step, as the ramp measures it; the ramp stops if the server exits.

    Given Parlor's /metrics URL, it also reads the tick-time histograms as a window starts and ends.
    """

    def __init__(self, name: str, proc: subprocess.Popen[bytes], metrics_url: str | None = None) -> None:
        self.name, self.proc, self.metrics_url = name, proc, metrics_url
        self.marked: tuple[int, dict[str, dict[float, float]]] | None = None

    def status(self, index: int, n: int, phase: str, fraction: float) -> None:
        if self.metrics_url and phase.startswith("measuring") and (self.marked is None or self.marked[0] != index):
            self.marked = index, tick_buckets(self.metrics_url)

    def note(self, text: str) -> None:
        print(f"  {self.name}: {text}", flush=True)

    def server_gone(self) -> str | None:
        return None if self.proc.poll() is None else f"server exited with {self.proc.returncode}"

    def step(self, s: Stats) -> None:
        s["server_rss_mb"] = rss_mb(self.proc.pid)
        if self.metrics_url and self.marked is not None:
            after = tick_buckets(self.metrics_url)
            for name, histogram in after.items():
                since = {le: count - self.marked[1].get(name, {}).get(le, 0) for le, count in histogram.items()}
                s[f"{name}_p50"], s[f"{name}_p99"] = bucket_quantile(since, 0.5), bucket_quantile(since, 0.99)
                s[f"{name}_count"] = since.get(float("inf"), 0)
        print(
            f"  {self.name} N={s['n']}: {s['connected']} connected ({s['connect_failures']} failed, {s['dropped']} "
            f"dropped), gap p50/p95/p99/max {s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}/{s['max']:.0f} ms, "
            f"{s['msgs_per_s']:.0f} msg/s ({s['per_client_hz']:.1f} Hz each), CPU server {s['server_cpu']:.0f}%, "
            f"client {s['client_cpu']:.0f}%{' (client-bound!)' if s['client_bound'] else ''}, "
            f"others on CPU 0 {s['cpu0_other']:.0f}%, {s.get('bytes_per_s', 0) / 1e6:.1f} MB/s, "
            f"server RSS {s['server_rss_mb']:.0f} MB{stalled(s)}{ticks(s)}: {'held' if s['held'] else 'NOT held'}",
            flush=True,
        )


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tick_buckets(url: str) -> dict[str, dict[float, float]]:
    """Cumulative bucket counts (by upper bound, s) of Parlor's tick duration and lateness, over all rooms."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    out: dict[str, dict[float, float]] = {"tick": {}, "write": {}, "late": {}}
    names = {
        "parlor_tick_seconds": "tick",
        "parlor_tick_write_seconds": "write",
        "parlor_tick_lateness_seconds": "late",
    }
    for family in text_string_to_metric_families(text):
        name = names.get(family.name)
        for sample in family.samples if name else ():
            if sample.name.endswith("_bucket"):
                le = float(sample.labels["le"])
                out[name][le] = out[name].get(le, 0) + sample.value
    return out


def bucket_quantile(cumulative: dict[float, float], q: float) -> float:
    """The upper bound (ms) of the histogram bucket holding quantile ``q``: "p99 <= 20 ms" is exact at a bound."""
    total = cumulative.get(float("inf"), 0)
    for le in sorted(cumulative):
        if total and cumulative[le] >= q * total:
            return le * 1000
    return float("nan")


def ticks(s: Stats) -> str:
    """The server's tick time and lateness in the window (Parlor only: read from /metrics)."""
    if "tick_p99" not in s:
        return ""
    return (f", tick p50/p99 <={s['tick_p50']:g}/<={s['tick_p99']:g} ms + writes <={s['write_p50']:g}/"
            f"<={s['write_p99']:g} ms, late p99 <={s['late_p99']:g} ms ({s['tick_count']:.0f} ticks)")  # fmt: skip


def stalled(s: Stats) -> str:
    """The stopped clients of a slow-client step, if any."""
    return f", {s['stalled']} stopped ({s['stalled_dropped']} dropped)" if s.get("stalled") else ""


async def ramp(
    name: str,
    url: str,
    proc: subprocess.Popen[bytes],
    args: argparse.Namespace,
    protocol: str = "seed",
    steps: list[int] | None = None,
    stall: float = 0.0,
    metrics_url: str | None = None,
) -> list[Stats]:
    """Add clients step by step (core.loadtest), measuring each step, until two fail in a row or the server dies."""
    plan = Plan(
        url, protocol, steps or args.steps, args.window, args.settle, args.stop_after, args.seed,
        server_pid=proc.pid, stall_fraction=stall, stall_buffer=args.stall_buffer if stall else 0,
    )  # fmt: skip
    return await run_ramp(plan, StepPrinter(name, proc, metrics_url))


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


def parlor_server() -> LiveServer:
    """Parlor under uvicorn on a fresh database, pinned to CPU 0, its lane on the next free port."""
    server = LiveServer(Path(tempfile.mkdtemp(prefix="arena-bench-")), name="parlor_arena_bench")
    server.env["LOG_LEVEL"] = "WARNING"
    server.command_prefix = ["taskset", "-c", "0"]
    server.start()
    assert server.process is not None
    print(f"parlor: uvicorn pid {server.process.pid} at {server.url}, lane :{server.lane_port}, log {server.log}")
    return server


async def run_parlor(args: argparse.Namespace) -> dict[str, Any]:
    """Parlor with the seed's protocol, the same ramp as the baseline."""
    server = parlor_server()
    assert server.process is not None
    try:
        url, metrics_url = server.ws_url + "/ws/arena/", server.url + "/metrics"
        steps = await ramp("parlor", url, server.process, args, metrics_url=metrics_url)
    finally:
        server.stop()
    return {"server": "parlor: uvicorn, in-memory layer, /ws/arena/", "steps": steps}


async def run_lane(args: argparse.Namespace, stall: float = 0.0) -> dict[str, Any]:
    """Parlor with its own protocol (binary deltas, areas of interest) over the lane; some clients may stop reading."""
    server = parlor_server()
    assert server.process is not None
    buffers = f" (receive buffers {args.stall_buffer} B)" if args.stall_buffer else " (system receive buffers)"
    name = f"lane, {stall:.0%} stopped{buffers}" if stall else "lane"
    try:
        url = server.lane_url + "/arena/main/"
        steps = await ramp(name, url, server.process, args, "parlor", args.lane_steps, stall, server.url + "/metrics")
    finally:
        server.stop()
    return {"server": f"parlor: uvicorn + picows lane, {name}", "steps": steps}


async def run_lane_stalled(args: argparse.Namespace) -> dict[str, Any]:
    return await run_lane(args, args.stall)


async def run_idle(args: argparse.Namespace) -> dict[str, Any]:
    """Idle lobby sockets on one Parlor process (see idle_sockets.py)."""
    server = parlor_server()
    assert server.process is not None
    try:
        steps = await idle_sockets.ramp(server.ws_url + "/ws/lobby/", server.process.pid, args.idle_steps)
    finally:
        server.stop()
    return {"server": "parlor: uvicorn, idle /ws/lobby/ sockets", "idle": steps, "steps": []}


def report(results: dict[str, dict[str, Any]]) -> None:
    names = [name for name in results if results[name]["steps"]]
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
    summary = ", ".join(f"{name} {''.join(map(str, largest_held(results[name]['steps'])))}" for name in names)
    if "baseline" in results:
        base, base_more = largest_held(results["baseline"]["steps"])
        for name in names[1:]:
            ours, more = largest_held(results[name]["steps"])
            ratio = f"{ours / base:.1f}{more}{' (the baseline never failed)' if base_more else ''}" if base else "n/a"
            summary += f"; {name}/baseline {ratio}"
    print(f"held: {summary}")
    for name in names:
        steps = results[name]["steps"]
        late = [f"N={x['n']}: <={x['tick_p99']:g} + <={x['write_p99']:g} ms" for x in steps if "tick_p99" in x]
        if late:
            print(
                f"{name}: p99 of a tick's simulation + encoding and of its socket writes (/metrics) " + ", ".join(late)
            )
        held = [x for x in steps if x["held"]]
        if len(held) >= 2:
            grown = (held[-1]["server_rss_mb"] - held[0]["server_rss_mb"]) * 1024 / (held[-1]["n"] - held[0]["n"])
            print(f"{name}: server memory per player {grown:.0f} kB (RSS from N={held[0]['n']} to {held[-1]['n']})")
    if results.get("idle", {}).get("idle"):
        rows_idle = results["idle"]["idle"]
        most = max((x["n"] for x in rows_idle if x["held"]), default=0)
        per = [f"{x['kb_per_socket']:.0f}" for x in rows_idle]
        at = "/".join(str(x["n"]) for x in rows_idle)
        print(f"idle lobby sockets: held {most} on one process; kB per socket {'/'.join(per)} at N={at}; "
              f"ping p99 {rows_idle[-1]['ping_p99']:.1f} ms at the last step")  # fmt: skip
    if "lane" in results and "lane-stalled" in results:
        healthy = {s["n"]: s for s in results["lane"]["steps"]}
        for s in results["lane-stalled"]["steps"]:
            if s["n"] in healthy:
                base_p99, base_rss = healthy[s["n"]]["p99"], healthy[s["n"]]["server_rss_mb"]
                print(
                    f"slow clients at N={s['n']}: healthy clients' p99 {base_p99:.0f} -> {s['p99']:.0f} ms "
                    f"({s['p99'] / base_p99 - 1:+.0%}), server RSS {base_rss:.0f} -> {s['server_rss_mb']:.0f} MB"
                )


async def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    runs = (
        ("baseline", run_baseline), ("parlor", run_parlor), ("lane", run_lane), ("lane-stalled", run_lane_stalled),
        ("idle", run_idle),
    )  # fmt: skip
    for name, runner in runs:
        if args.only is None or name in args.only.split(","):
            try:
                results[name] = await runner(args)
            except Exception as error:  # one server failing to start must not lose the other's figures
                print(f"{name}: {type(error).__name__}: {error}", flush=True)
                results[name] = {"error": f"{type(error).__name__}: {error}", "steps": []}
    return results


def prepare_process() -> None:
    """Raise the open-file limit (servers inherit it) and move this process, the load client, to CPU 1."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if {0, 1} <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, {1})
    else:
        print("warning: fewer than 2 CPUs, client and server share one", file=sys.stderr)


def event_loop_run(work: Coroutine[Any, Any, T]) -> T:
    """Run the load client on uvloop: about 6 % less client CPU than asyncio's loop at 2,000 players."""
    return uvloop.run(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="20,30,50,100,200,300,500,1000", help="comma-separated player counts")
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured at each step")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between reaching N and the window")
    parser.add_argument("--only", help="comma-separated runs among baseline, parlor, lane, lane-stalled, idle")
    parser.add_argument("--idle-steps", default="1000,2500,5000,10000", help="idle socket counts")
    parser.add_argument("--lane-steps", default="500,1000,1500,2000,2500", help="player counts on the lane")
    parser.add_argument("--stall", type=float, default=0.1, help="fraction of stopped clients in lane-stalled")
    parser.add_argument(
        "--stall-buffer", type=int, default=4096,
        help="a stopped client's SO_RCVBUF in lane-stalled: its queue here is the server's kernel memory, which a "
        "remote client's is not (0: the system's, that cost included)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the raw per-step results here")
    parser.add_argument("--chart", type=Path, help="write PREFIX-baseline.png and PREFIX-parlor.png (gap vs players)")
    parser.add_argument("--stop-after", type=int, default=2, help="failed steps in a row that end a ramp; 0: never")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-src", type=Path, default=ROOT.parent / "shared" / "baselines" / "seed_arena")
    parser.add_argument("--baseline-cache", type=Path, default=Path(tempfile.gettempdir()) / "parlor-bench-baseline")
    args = parser.parse_args()
    args.steps = sorted({int(n) for n in args.steps.split(",")})
    args.lane_steps = sorted({int(n) for n in args.lane_steps.split(",")})
    args.idle_steps = sorted({int(n) for n in args.idle_steps.split(",")})
    prepare_process()
    results = event_loop_run(run(args))
    report(results)
    if args.json:
        options = {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}
        args.json.write_text(json.dumps({"args": options, "results": results}, indent=1))
    if args.chart:
        charts(results, args.chart, args.window)


def charts(results: dict[str, dict[str, Any]], prefix: Path, window: float) -> None:
    """One gap-vs-players chart per server, named PREFIX-<server>.png."""
    for name, result in results.items():
        if result["steps"]:
            path = prefix.with_name(f"{prefix.name}-{name}.png")
            path.parent.mkdir(parents=True, exist_ok=True)
            protocol = "own protocol" if name.startswith("lane") else "seed protocol"
            title = f"{name}: {protocol}, {window:g} s windows (server on CPU 0, load on CPU 1)"
            print(f"chart: {write_chart(path, result['steps'], title)}")


if __name__ == "__main__":
    main()
