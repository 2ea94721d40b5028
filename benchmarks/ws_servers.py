"""Which websocket server: server CPU per delivered message of a 20 Hz fan-out, and the clients each one holds.

The same world runs on every server: every 50 ms one 1,000-byte binary frame (u32 little-endian tick, then the
u64 count of inputs the server has received, then filler), built once per tick, goes to every connected socket;
every socket sends a 5-byte binary input at 10 Hz, which the server only counts. For the ASGI servers it is
``app`` below, a raw ASGI 3 app (no Django) accepting websockets on any path and started by import string
``benchmarks.ws_servers:app`` from the repository root. ASGI has no broadcast and no send without awaiting, so the
cheapest fan-out it allows is one task wake-up and one ``send()`` per connection per tick: each connection's app
coroutine awaits the tick's shared Future (one per tick; the broadcaster resolves it with one message dict, shared
by every send), then awaits ``send()``; a second task per connection awaits ``receive()`` and counts inputs. A
connection whose send() has not returned when the next tick fires skips that tick (the client counts skips).
The raw picows server (``--serve-picows``) has no per-connection coroutine: one loop per tick calls
``transport.send`` for every client.

Variants: uvicorn with --ws websockets, websockets-sansio and wsproto; hypercorn; daphne; granian (--interface
asgi, one runtime thread); raw picows. One worker process each, uvloop wherever the server lets us choose (daphne
runs Twisted on asyncio's own loop), no access log. The client never offers permessage-deflate, so compression is
off everywhere (uvicorn is also told so). Each server runs under ``taskset -c 0`` with the open-file limit raised
(inherited from this process); its CPU is utime+stime of its whole process tree from /proc (all threads and
forked workers; the supervisor of hypercorn and granian included). Thread counts and CPU affinity of the tree
are printed, so a server using CPU 1 would show.

The load client is this process, pinned to CPU 1: picows clients (WSListener) on one uvloop loop. Each client
timestamps every frame (perf_counter) and checks the tick counter for skipped ticks; one task sends the inputs,
client i in slot i % 10 of each 100 ms. At each step N (--steps) it opens clients until N are up, waits --settle
s, then measures --window s: gaps between consecutive frames of each client ending in the window, plus the gap
still open at its end (p50/p95/p99/max); delivered msgs/s; server CPU % of one core and CPU us per delivered
message; the client's CPU (process_time; "!" above 80 %: then the step measured the client as much as the
server); other load on CPU 0; errors (refused connections, drops). "Held": all N connected, p95 gap <= 60 ms and
p99 <= 100 ms. A variant's ramp ends after --stop-after failed steps in a row. The summary gives per variant the
largest N held ("+": the ramp ended on a held step, so it is a lower bound) and the median us per message.

    .venv/bin/python benchmarks/ws_servers.py
    .venv/bin/python benchmarks/ws_servers.py --only uvicorn-websockets,picows --steps 500,1000 --json /tmp/ws.json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import json
import math
import os
import platform
import resource
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop
from picows import WSError, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect, ws_create_server

ROOT = Path(__file__).resolve().parent.parent
APP = "benchmarks.ws_servers:app"
TICK = 0.05  # the world's 20 Hz
FRAME_SIZE = 1000
HEADER = struct.Struct("<IQ")  # tick, inputs the server has counted so far
INPUT = b"\x01\x00\x00\x00\x00"  # 5 bytes, 10 Hz per client
INPUT_PERIOD, SLOTS = 0.1, 10
CONNECT_BATCH = 50
TIMEOUT = 10.0  # every wait (connect, start, stop) is bounded by this
CONNECT_LIMIT = 60.0  # seconds a step may spend connecting its clients
CLIENT_BOUND = 80.0  # client CPU % above which a step measured the client as much as the server
DISTURBED = 10.0  # CPU % of other processes on either core above which a window is measured again
QUIET_WAIT = 30.0  # seconds to wait, before a window, for other processes to leave both cores alone
BINARY, CLOSE = WSMsgType.BINARY, WSMsgType.CLOSE
Stats = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

UVICORN = "--ws-per-message-deflate false --loop uvloop --http httptools --no-access-log --log-level warning"
UVICORN += " --host 127.0.0.1 --port {port} --backlog 4096 --lifespan on"
# Each server's command after `taskset -c 0 python`, split on spaces, then {app} {port} {root} {script} filled in.
VARIANTS: dict[str, str] = {
    "uvicorn-websockets": "-m uvicorn {app} --ws websockets " + UVICORN,
    "uvicorn-sansio": "-m uvicorn {app} --ws websockets-sansio " + UVICORN,
    "uvicorn-wsproto": "-m uvicorn {app} --ws wsproto " + UVICORN,
    "hypercorn": "-m hypercorn {app} --bind 127.0.0.1:{port} --workers 1 --worker-class uvloop --backlog 4096"
    " --log-level warning",
    "daphne": "-m daphne {app} -b 127.0.0.1 -p {port} -v 0",
    # --backpressure far above the clients, so that it never is what limits (the default did not cap 1,100 sockets)
    "granian": "-m granian {app} --interface asgi --host 127.0.0.1 --port {port} --workers 1 --runtime-threads 1"
    " --loop uvloop --backlog 4096 --backpressure 16384 --no-access-log --log-level warning --working-dir {root}",
    "picows": "{script} --serve-picows {port}",
}
BASELINE = "uvicorn-websockets"


# --- the server side: the same world for every server -----------------------------------------------------------


class World:
    """The broadcaster's clock and counters: every TICK it builds one frame and hands it to ``publish``."""

    def __init__(self) -> None:
        self.inputs = 0
        self.buffer = bytearray(b"\xa5" * FRAME_SIZE)
        self.tick: asyncio.Future[Message] | None = None  # ASGI: the next tick's message, awaited by all sockets
        self.clock: asyncio.Task[None] | None = None

    def frame(self, tick: int) -> bytes:
        """This tick's frame: tick number and input count in the header, the same filler after."""
        HEADER.pack_into(self.buffer, 0, tick & 0xFFFFFFFF, self.inputs)
        return bytes(self.buffer)

    async def run(self, publish: Callable[[bytes], None]) -> None:
        """Publish a frame every TICK on a fixed schedule; more than a tick late, the schedule restarts from now."""
        loop = asyncio.get_running_loop()
        due, tick = loop.time(), 0
        while True:
            due += TICK
            await asyncio.sleep(due - loop.time())
            if loop.time() - due > TICK:
                due = loop.time()
            publish(self.frame(tick))
            tick += 1

    def publish_asgi(self, frame: bytes) -> None:
        """Wake every ASGI connection at once: resolve this tick's Future with one shared message dict."""
        assert self.tick is not None
        done, self.tick = self.tick, asyncio.get_running_loop().create_future()
        done.set_result({"type": "websocket.send", "bytes": frame})

    def start_asgi(self) -> None:
        """Start the clock (and the first tick's Future) with the first connection."""
        if self.tick is None:
            self.tick = asyncio.get_running_loop().create_future()
            self.clock = asyncio.create_task(self.run(self.publish_asgi))


WORLD = World()


async def app(scope: Message, receive: Receive, send: Send) -> None:
    """The ASGI 3 app: websockets on any path join the fan-out; HTTP answers "ok"; lifespan is acknowledged."""
    if scope["type"] == "websocket":
        await websocket(receive, send)
    elif scope["type"] == "lifespan":
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
    elif scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


async def websocket(receive: Receive, send: Send) -> None:
    """Accept, count inputs in a second task, and send every tick's frame until the client is gone."""
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    WORLD.start_asgi()
    reader = asyncio.create_task(count_inputs(receive))
    try:
        while not reader.done():
            assert WORLD.tick is not None
            await send(await WORLD.tick)
    except Exception:  # a send to a closed socket raises a server-specific error: the client is gone
        pass
    finally:
        reader.cancel()


async def count_inputs(receive: Receive) -> None:
    """Count the client's inputs until it disconnects."""
    while (await receive())["type"] == "websocket.receive":
        WORLD.inputs += 1


class PicowsPeer(WSListener):
    """One client of the raw picows server: joins the set the broadcaster writes to, counts its inputs."""

    def __init__(self, peers: set[WSTransport]) -> None:
        self.peers = peers

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.peers.add(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is BINARY:
            WORLD.inputs += 1
        elif frame.msg_type is CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.peers.discard(transport)


async def serve_picows(port: int) -> None:
    """The raw picows server: every tick, one loop writes the frame to every client's transport."""
    peers: set[WSTransport] = set()

    def publish(frame: bytes) -> None:
        for transport in peers:
            transport.send(BINARY, frame)

    server = await ws_create_server(lambda _request: PicowsPeer(peers), "127.0.0.1", port, backlog=4096)
    async with server:
        await WORLD.run(publish)


# --- the load client ------------------------------------------------------------------------------------------------


class Client(WSListener):
    """One simulated player: timestamps every frame, counts skipped ticks, notes the server's input count."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.transport: WSTransport | None = None
        self.last_tick, self.skipped, self.server_inputs = -1, 0, 0
        self.alive = self.closing = self.dropped = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport, self.alive = transport, True

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is BINARY:  # `is`: the enum's == costs 0.25 us more, on the client's hot path
            self.arrivals.append(time.perf_counter())
            tick, self.server_inputs = HEADER.unpack_from(frame.get_payload_as_memoryview())
            if tick != self.last_tick + 1 and self.last_tick >= 0:
                self.skipped += max(0, tick - self.last_tick - 1)
            self.last_tick = tick
        elif frame.msg_type is CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.alive = False
        self.dropped = not self.closing

    def close(self) -> None:
        """Drop the connection at once (no closing handshake to wait for)."""
        self.closing = True
        if self.transport is not None and self.alive:
            self.transport.disconnect(graceful=False)


class Probe(Client):
    """A client that also keeps the size of the frames it gets (to check the server before a ramp)."""

    size = 0

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        self.size = frame.payload_size
        super().on_ws_frame(transport, frame)


async def open_client(url: str, kind: type[Client] = Client) -> Client | str:
    """A connected client, or why it could not connect within TIMEOUT."""
    try:
        async with asyncio.timeout(TIMEOUT):
            _, client = await ws_connect(kind, url, websocket_handshake_timeout=TIMEOUT)
    except (OSError, TimeoutError, WSError) as error:
        return f"{type(error).__name__}: {error}"
    assert isinstance(client, Client)
    return client


async def send_inputs(clients: list[Client], counter: list[int]) -> None:
    """Every client's input at 10 Hz from one task: client i sends in slot i % SLOTS of each INPUT_PERIOD."""
    due, slot = time.perf_counter(), 0
    while True:
        for client in clients[slot::SLOTS]:
            if client.alive and client.transport is not None:
                client.transport.send(BINARY, INPUT)
                counter[0] += 1
        slot = (slot + 1) % SLOTS
        due += INPUT_PERIOD / SLOTS
        await asyncio.sleep(max(0.0, due - time.perf_counter()))


# --- /proc: the server's CPU, memory and threads -------------------------------------------------------------------


def proc_stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its live descendants."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(proc_stat(int(entry.name))[1])
            except (OSError, IndexError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree.extend(frontier)
    return tree


def tree_usage(root: int) -> tuple[float, int]:
    """CPU seconds (user + system, all threads) and RSS bytes of a process tree."""
    cpu, rss, tick, page = 0.0, 0, os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    for pid in process_tree(root):
        try:
            fields = proc_stat(pid)
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / tick
        rss += int(fields[21]) * page
    return cpu, rss


def cpu_busy() -> tuple[float, float]:
    """Seconds CPU 0 and CPU 1 ran processes (user, nice, system) or were stolen by the hypervisor."""
    text, busy = Path("/proc/stat").read_text(), []
    for core in ("cpu0", "cpu1"):
        ticks = [int(x) for x in text.split(f"\n{core} ", 1)[1].split()[:8]]
        busy.append((ticks[0] + ticks[1] + ticks[2] + ticks[7]) / os.sysconf("SC_CLK_TCK"))
    return busy[0], busy[1]


def describe_tree(root: int) -> list[str]:
    """Per process of the tree: name, threads (with their CPU seconds), allowed CPUs, open-file limit."""
    lines, tick = [], os.sysconf("SC_CLK_TCK")
    for pid in process_tree(root):
        try:
            status_lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            status = {key: value.strip() for key, _, value in (line.partition(":") for line in status_lines)}
            limit = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines() if x.startswith("Max open"))
            threads = []
            for task in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
                fields = Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)
                name = fields[0].split("(", 1)[1]
                cpu = (int(fields[1].split()[11]) + int(fields[1].split()[12])) / tick
                threads.append(f"{name} {cpu:.1f}s")
        except (OSError, StopIteration, ValueError):
            continue
        lines.append(
            f"pid {pid} {status['Name']}: {len(threads)} threads [{', '.join(threads)}], "
            f"CPUs {status['Cpus_allowed_list']}, open files {limit.split()[3]}"
        )
    return lines


# --- one variant: start, ramp, stop --------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(name: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start a variant under taskset -c 0, in a process group of its own (so that stop() reaches its workers)."""
    fill = {"app": APP, "port": port, "root": ROOT, "script": Path(__file__).resolve()}
    command = ["taskset", "-c", "0", sys.executable, *(arg.format(**fill) for arg in VARIANTS[name].split())]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever is left of it after TIMEOUT."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            time.sleep(0.5)  # let forked workers finish their own shutdown, then make sure


async def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> int:
    """Wait (30 s at most) until a client connects and gets a frame; its size."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-800:]}")
        client = await open_client(url, Probe)
        if isinstance(client, Probe):
            for _ in range(40):
                if client.arrivals:
                    break
                await asyncio.sleep(0.05)
            client.close()
            if client.arrivals and client.size != FRAME_SIZE:
                raise RuntimeError(f"the server sent {client.size} B frames, not {FRAME_SIZE}")
            if client.arrivals:
                return client.size
        await asyncio.sleep(0.2)
    raise RuntimeError(f"server not ready in 30 s: {log.read_text()[-800:]}")


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of a sorted list (nearest rank below); NaN if empty."""
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else math.nan


class Ramp:
    """One variant's clients; ``run`` adds them step by step and measures each step."""

    def __init__(self, name: str, url: str, proc: subprocess.Popen[bytes], args: argparse.Namespace) -> None:
        self.name, self.url, self.proc, self.args = name, url, proc, args
        self.clients: list[Client] = []
        self.sent = [0]
        self.refused = 0

    async def connect(self, n: int) -> int:
        """Open clients in batches until N are connected; the refusals. A batch refused entirely ends it, and so
        does CONNECT_LIMIT."""
        refused, deadline = 0, time.monotonic() + CONNECT_LIMIT
        while sum(c.alive for c in self.clients) < n and self.proc.poll() is None and time.monotonic() < deadline:
            size = min(CONNECT_BATCH, n - sum(c.alive for c in self.clients))
            opened = await asyncio.gather(*(open_client(self.url) for _ in range(size)))
            clients = [c for c in opened if isinstance(c, Client)]
            failures = [c for c in opened if isinstance(c, str)]
            if failures and not self.refused + refused:
                print(f"  {self.name}: connect failed: {failures[0]}", flush=True)
            refused += len(failures)
            self.clients.extend(clients)
            if not clients:
                break
        self.refused += refused
        return refused

    async def measure(self, window: float) -> Stats:
        """One window: gaps, delivered msgs/s, skipped ticks, inputs, server and client CPU."""
        gc.collect()
        gc.freeze()  # keep the client's own full collections out of the arrival times
        for c in self.clients:
            del c.arrivals[:-1]  # the last arrival anchors the first gap
        skipped0, inputs0, sent0 = sum(c.skipped for c in self.clients), self.server_inputs(), self.sent[0]
        server0, (a0, b0) = tree_usage(self.proc.pid)[0], cpu_busy()
        client0, t0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(window)
        t1, client1 = time.perf_counter(), time.process_time()
        (server1, rss), (a1, b1) = tree_usage(self.proc.pid), cpu_busy()
        gaps, delivered = self.gaps(t0, t1)
        elapsed, server, client = t1 - t0, server1 - server0, client1 - client0
        return {
            "connected": sum(c.alive for c in self.clients), "delivered": delivered, "msgs_per_s": delivered / elapsed,
            "p50": percentile(gaps, 50), "p95": percentile(gaps, 95), "p99": percentile(gaps, 99),
            "max": gaps[-1] if gaps else math.nan, "skipped": sum(c.skipped for c in self.clients) - skipped0,
            "inputs_sent_per_s": (self.sent[0] - sent0) / elapsed,
            "inputs_counted_per_s": (self.server_inputs() - inputs0) / elapsed,
            "server_cpu": 100 * server / elapsed, "us_per_msg": 1e6 * server / delivered if delivered else math.nan,
            "server_rss_mib": rss / 2**20, "client_cpu": 100 * client / elapsed,
            "cpu0_other": max(0.0, 100 * (a1 - a0 - server) / elapsed),
            "cpu1_other": max(0.0, 100 * (b1 - b0 - client) / elapsed),
        }  # fmt: skip

    def gaps(self, t0: float, t1: float) -> tuple[list[float], int]:
        """Sorted gaps (ms) ending in [t0, t1], each client's open gap at t1 included; frames delivered in it."""
        gaps: list[float] = []
        delivered = 0
        for c in self.clients:
            times = [t for t in c.arrivals if t <= t1]
            delivered += sum(1 for t in times if t >= t0)
            gaps.extend(b - a for a, b in zip(times, times[1:], strict=False) if b >= t0)
            gaps.append(t1 - times[-1] if times else t1 - t0)
        return sorted(1000 * g for g in gaps), delivered

    async def others(self, seconds: float) -> tuple[float, float]:
        """CPU % that other processes than the server and this client used on CPU 0 and CPU 1 over ``seconds``."""
        server0, (a0, b0), client0 = tree_usage(self.proc.pid)[0], cpu_busy(), time.process_time()
        await asyncio.sleep(seconds)
        server1, (a1, b1), client1 = tree_usage(self.proc.pid)[0], cpu_busy(), time.process_time()
        on_cpu0, on_cpu1 = a1 - a0 - (server1 - server0), b1 - b0 - (client1 - client0)
        return 100 * on_cpu0 / seconds, 100 * on_cpu1 / seconds

    async def wait_quiet(self) -> None:
        """Wait until other processes leave both cores alone for a second (QUIET_WAIT seconds at most)."""
        deadline = time.monotonic() + QUIET_WAIT
        while max(await self.others(1.0)) > DISTURBED and time.monotonic() < deadline:
            pass

    def server_inputs(self) -> int:
        """The server's input count, as the latest frames report it."""
        return max((c.server_inputs for c in self.clients), default=0)

    async def step(self, n: int) -> Stats:
        """Reach N clients, settle, measure; "held" as the module docstring says."""
        dropped = sum(c.dropped for c in self.clients)
        started = time.perf_counter()
        refused = await self.connect(n)
        connect_s = time.perf_counter() - started
        await asyncio.sleep(self.args.settle)
        for attempt in range(1 + self.args.retries):
            await self.wait_quiet()
            window = await self.measure(self.args.window)
            if not disturbed(window):
                break
            again = ", measuring again" if attempt < self.args.retries else ""
            others = f"CPU 0 {window['cpu0_other']:.0f}%, CPU 1 {window['cpu1_other']:.0f}%"
            print(f"  {self.name} N={n}: window disturbed by other processes ({others}){again}", flush=True)
        stats = {"n": n, "connect_s": connect_s, "windows": attempt + 1, "disturbed": disturbed(window)} | window
        stats["dropped"] = sum(c.dropped for c in self.clients) - dropped
        stats["refused"] = refused
        stats["errors"] = refused + stats["dropped"]
        stats["held"] = stats["connected"] >= n and stats["p95"] <= 60 and stats["p99"] <= 100
        stats["client_bound"] = stats["client_cpu"] > CLIENT_BOUND
        return stats

    async def run(self) -> list[Stats]:
        """Every step in turn until --stop-after fail in a row or the server exits; then close every client."""
        results: list[Stats] = []
        failed_in_row = 0
        sender = asyncio.create_task(send_inputs(self.clients, self.sent))
        try:
            for n in self.args.steps:
                if self.proc.poll() is not None:
                    print(f"  {self.name}: server exited with {self.proc.returncode}", flush=True)
                    break
                results.append(stats := await self.step(n))
                print_step(self.name, stats)
                failed_in_row = 0 if stats["held"] else failed_in_row + 1
                if self.args.stop_after and failed_in_row >= self.args.stop_after:
                    break
        finally:
            sender.cancel()
            for c in self.clients:
                c.close()
            gc.unfreeze()
            await asyncio.sleep(0.5)
        return results


def disturbed(window: Stats) -> bool:
    """Whether other processes used more than DISTURBED % of either core during a window."""
    return max(window["cpu0_other"], window["cpu1_other"]) > DISTURBED


def print_step(name: str, s: Stats) -> None:
    """One progress line per measured step."""
    print(
        f"  {name} N={s['n']}: {s['connected']} connected ({s['refused']} refused, {s['dropped']} dropped, "
        f"{s['connect_s']:.1f} s), gap p50/p95/p99/max {s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}/{s['max']:.0f} ms, "
        f"{s['msgs_per_s']:.0f} msg/s ({s['skipped']} ticks skipped), inputs {s['inputs_counted_per_s']:.0f}/"
        f"{s['inputs_sent_per_s']:.0f} /s counted/sent; server CPU {s['server_cpu']:.0f}% ({s['us_per_msg']:.1f} "
        f"us/msg, RSS {s['server_rss_mib']:.0f} MiB), client {s['client_cpu']:.0f}%"
        f"{' (client-bound!)' if s['client_bound'] else ''}, others on CPU 0/1 {s['cpu0_other']:.0f}/"
        f"{s['cpu1_other']:.0f}%: "
        f"{'held' if s['held'] else 'NOT held'}",
        flush=True,
    )


async def run_variant(name: str, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    """Start one server, ramp it, stop it (always); its steps and what its process tree looked like."""
    port, log = free_port(), logs / f"{name}.log"
    proc = start_server(name, port, log)
    url = f"ws://127.0.0.1:{port}/ws/world/"
    result: dict[str, Any] = {"command": VARIANTS[name], "log": str(log), "steps": []}
    try:
        size = await wait_ready(url, proc, log)
        result["tree_at_start"] = describe_tree(proc.pid)
        print(f"{name}: pid {proc.pid} on :{port}, first frame {size} B, log {log}", flush=True)
        for line in result["tree_at_start"]:
            print(f"  {line}", flush=True)
        result["steps"] = await Ramp(name, url, proc, args).run()
        result["tree_at_end"] = describe_tree(proc.pid)
        for line in result["tree_at_end"]:
            print(f"  at the end: {line}", flush=True)
    except Exception as error:  # one server failing must not lose the others' figures
        result["error"] = f"{type(error).__name__}: {error}"
        print(f"{name}: {result['error']}", flush=True)
    finally:
        stop_server(proc)
    return result


# --- report -------------------------------------------------------------------------------------------------------


def largest_held(steps: list[Stats]) -> tuple[int, str]:
    """The largest N held, and "+" when the ramp ended on a held step (then it is a lower bound)."""
    return max((s["n"] for s in steps if s["held"]), default=0), "+" if steps and steps[-1]["held"] else ""


def median_cost(steps: list[Stats]) -> tuple[float, str]:
    """Median server CPU us per delivered message over the steps held ("*": over all steps, none was held).

    A step not held is usually one the server could not keep up with: its handshakes still queued, frames late."""
    held = [s["us_per_msg"] for s in steps if s["held"]]
    costs = held or [s["us_per_msg"] for s in steps if not math.isnan(s["us_per_msg"])]
    return (statistics.median(costs) if costs else math.nan), "" if held or not costs else "*"


def report(results: dict[str, dict[str, Any]]) -> None:
    """Every step of every variant, then the summary against uvicorn-websockets."""
    header = (f"{'variant':<19} {'N':>5} {'conn':>5} {'srv CPU%':>8} {'us/msg':>7} {'msg/s':>7} "
              f"{'gap p50/p95/p99/max ms':>24} {'cli%':>5} {'err':>4} held")  # fmt: skip
    print("\n" + header + "\n" + "-" * len(header))
    for name, result in results.items():
        for s in result["steps"]:
            gaps = f"{s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}/{s['max']:.0f}"
            held = ("yes" if s["held"] else "no") + ("!" if s["client_bound"] else "") + ("~" if s["disturbed"] else "")
            print(f"{name:<19} {s['n']:5d} {s['connected']:5d} {s['server_cpu']:8.0f} {s['us_per_msg']:7.1f} "
                  f"{s['msgs_per_s']:7.0f} {gaps:>24} {s['client_cpu']:5.0f} {s['errors']:4d} {held}")  # fmt: skip
        if "error" in result:
            print(f"{name:<19} error: {result['error']}")
    base = results.get(BASELINE, {}).get("steps", [])
    base_n, base_cost = largest_held(base)[0], median_cost(base)[0]
    header = f"{'variant':<19} {'held N':>7} {'us/msg':>7} {'cost vs ' + BASELINE:>28} {'held vs ' + BASELINE:>28}"
    print("\n" + header + "\n" + "-" * len(header))
    for name, result in results.items():
        n, more = largest_held(result["steps"])
        cost, star = median_cost(result["steps"])
        cost_ratio = f"{cost / base_cost:.2f}x" if base and not math.isnan(cost) else "-"
        held_ratio = f"{n / base_n:.2f}x{more}" if base_n else "-"
        print(f"{name:<19} {str(n) + more:>7} {f'{cost:.1f}{star}':>7} {cost_ratio:>28} {held_ratio:>28}")
    print("\nheld: all N connected, p95 gap <= 60 ms, p99 <= 100 ms; +: the ramp ended held (a lower bound);")
    print("us/msg: server CPU (whole process tree) per delivered message, median over the steps held")
    print("(*: over all its steps, as none was held);")
    print("!: load client above 80 % CPU, so that step measured the client as much as the server;")
    print(f"~: other processes used more than {DISTURBED:.0f} % of a core in every window tried (--retries)")


def machine() -> dict[str, Any]:
    """What ran the benchmark: CPU, cores, Python, package versions."""
    model = next((x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines()
                  if x.startswith("model name")), "?")  # fmt: skip
    packages = ("uvicorn", "websockets", "wsproto", "hypercorn", "daphne", "twisted", "granian", "picows", "uvloop")
    return {
        "cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
        "versions": {p: importlib.metadata.version(p) for p in packages},
    }  # fmt: skip


async def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every chosen variant in turn, each on a fresh server."""
    logs = Path(tempfile.mkdtemp(prefix="ws-servers-"))
    results = {}
    for name in args.only:
        results[name] = await run_variant(name, args, logs)
        await asyncio.sleep(1)
    return results


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM (and SIGINT, even when started in the background) stops the run, stopping the servers too."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="250,500,750,1000,1500,2000,3000", help="comma-separated client counts")
    parser.add_argument("--window", type=float, default=5.0, help="seconds measured at each step")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between reaching N and the window")
    parser.add_argument("--only", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--stop-after", type=int, default=2, help="failed steps in a row that end a ramp; 0: never")
    parser.add_argument("--retries", type=int, default=2, help="windows measured again when other processes ran")
    parser.add_argument("--json", type=Path, help="write the raw per-step results here")
    parser.add_argument("--serve-picows", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    if args.serve_picows:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve_picows(args.serve_picows))
        return
    args.steps = sorted({int(n) for n in args.steps.split(",")})
    args.only = [name.strip() for name in args.only.split(",")]
    if unknown := [name for name in args.only if name not in VARIANTS]:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    if max(args.steps) + 100 > hard:
        parser.error(f"the open-file limit ({hard}) is too low for {max(args.steps)} clients")
    if {0, 1} <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, {1})
    else:
        print("warning: fewer than 2 CPUs, client and server share one", file=sys.stderr)
    info = machine()
    print(f"{info['cpu']}, {info['cores']} cores, CPython {info['python']}, {info['versions']}", flush=True)
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            results = runner.run(run(args))
    except KeyboardInterrupt:
        sys.exit("interrupted; the servers are stopped")
    report(results)
    if args.json:
        options = {key: value for key, value in vars(args).items() if key != "json"}
        args.json.write_text(json.dumps({"args": options, "machine": info, "results": results}, indent=1))


if __name__ == "__main__":
    main()
