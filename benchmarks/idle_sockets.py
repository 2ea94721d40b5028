"""Idle connections: how many open lobby sockets one Parlor process holds, and the memory each costs.

Every page a visitor has open holds one ``/ws/lobby/`` socket (presence, invitations, notifications) that is
silent most of the time. At each step this opens sockets until N are up (each a fresh guest, as an anonymous
visitor is), waits, then reads the server's RSS and the round trip of a ``ping`` on a sample of them: a
process that holds its sockets still answers quickly. Run by ``arena_compat.py --only idle`` or alone:

    .venv/bin/python benchmarks/idle_sockets.py --steps 1000,5000,10000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from typing import Any

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.loadtest.client import percentile

PING = b'{"type":"ping"}'
CONCURRENCY = 50  # handshakes in flight at once
SAMPLE = 200  # sockets whose ping round trip is timed at each step


class Idle(WSListener):  # type: ignore[misc]
    """A socket that only answers closes and times its pongs."""

    def __init__(self) -> None:
        self.transport: WSTransport | None = None
        self.open = False
        self.pong: asyncio.Future[float] | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport, self.open = transport, True

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.open = False

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is WSMsgType.TEXT and b'"pong"' in frame.get_payload_as_bytes():
            if self.pong is not None and not self.pong.done():
                self.pong.set_result(time.perf_counter())
        elif frame.msg_type is WSMsgType.CLOSE:
            transport.disconnect()

    async def ping(self) -> float:
        """Seconds until the server answers a ping."""
        assert self.transport is not None
        self.pong = asyncio.get_running_loop().create_future()
        sent = time.perf_counter()
        self.transport.send(WSMsgType.TEXT, PING)
        return await asyncio.wait_for(self.pong, 10) - sent


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def connect(url: str, sockets: list[Idle], n: int) -> int:
    """Open sockets until ``n`` are open; returns how many handshakes failed."""
    failures = 0
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        nonlocal failures
        async with gate:
            client = Idle()
            try:
                await ws_connect(lambda: client, url, websocket_handshake_timeout=10)
                sockets.append(client)
            except Exception:
                failures += 1

    await asyncio.gather(*(one() for _ in range(n - len(sockets))))
    return failures


async def ramp(url: str, pid: int, steps: list[int], settle: float = 3.0) -> list[dict[str, Any]]:
    """Each step: open up to N idle sockets, settle, then RSS and ping round trips; stops at the first failure."""
    sockets: list[Idle] = []
    await asyncio.sleep(settle)
    base = rss_mb(pid)
    print(f"  idle: server RSS with no sockets {base:.0f} MB", flush=True)
    results: list[dict[str, Any]] = []
    try:
        for n in steps:
            started = time.perf_counter()
            failures = await connect(url, sockets, n)
            took = time.perf_counter() - started
            await asyncio.sleep(settle)
            alive = [s for s in sockets if s.open]
            sample = random.Random(n).sample(alive, min(SAMPLE, len(alive)))
            rtts = sorted(1000 * t for t in await asyncio.gather(*(s.ping() for s in sample), return_exceptions=False))
            rss = rss_mb(pid)
            row = {
                "n": n, "open": len(alive), "failures": failures, "connect_s": took, "rss_mb": rss,
                "kb_per_socket": 1024 * (rss - base) / max(len(alive), 1),
                "ping_p50": percentile(rtts, 0.5), "ping_p99": percentile(rtts, 0.99),
                "held": len(alive) == n and not failures and percentile(rtts, 0.99) < 100,
            }  # fmt: skip
            results.append(row)
            print(
                f"  idle N={n}: {len(alive)} open ({failures} failed) in {took:.1f} s, server RSS {rss:.0f} MB "
                f"({row['kb_per_socket']:.0f} kB per socket), ping p50/p99 {row['ping_p50']:.1f}/"
                f"{row['ping_p99']:.1f} ms: {'held' if row['held'] else 'NOT held'}",
                flush=True,
            )
            if not row["held"]:
                break
    finally:
        for s in sockets:
            if s.transport is not None and s.open:
                s.transport.disconnect()
        await asyncio.sleep(1)
    return results


def main() -> None:
    """Serve Parlor as arena_compat.py does and ramp idle lobby sockets against it."""
    import arena_compat  # the same server set-up, pinning and file limits

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="1000,2500,5000,10000", help="comma-separated socket counts")
    args = parser.parse_args()
    arena_compat.prepare_process()
    server = arena_compat.parlor_server()
    assert server.process is not None
    try:
        steps = sorted({int(n) for n in args.steps.split(",")})
        arena_compat.event_loop_run(ramp(server.ws_url + "/ws/lobby/", server.process.pid, steps))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
