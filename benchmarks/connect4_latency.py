"""Connect Four under load: N games at once on one server process; move latency and memory per connection.

Starts uvicorn (pinned to CPU 0) on a fresh database, then from this process (pinned to CPU 1)
opens 2 sockets per game on the tutorial protocol (/ws/connect4/), and has every game play one
move per --interval seconds. A move's latency is the time from the mover's send to the opponent
receiving the ``play``; it includes validating, applying, storing and fanning out the move.
Memory per connection is the server's RSS growth from idle to all games open, divided by sockets.

    .venv/bin/python benchmarks/connect4_latency.py --games 1000 --seconds 30
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlor_bench .venv/bin/python benchmarks/connect4_latency.py
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.loadtest.client import cpu_seconds  # noqa: E402
from games.connect4.rules import ConnectFour, Play  # noqa: E402
from tests.server import LiveServer  # noqa: E402


def drawn_sequence(rng: random.Random) -> list[int]:
    """42 columns that fill the board with no four in a row, so a game stays in progress to the end."""
    game = ConnectFour()
    while True:
        state, moves = game.setup(2, None, rng), []
        while len(moves) < 42:
            options = [c for c in range(7) if len(state.columns[c]) < 6]
            rng.shuffle(options)
            for column in options:
                trial = game.setup(2, None, rng)
                for past in [*moves, column]:
                    game.apply(trial, trial.turn, Play(past))
                if trial.winner is None:
                    game.apply(state, state.turn, Play(column))
                    moves.append(column)
                    break
            else:
                break
        if len(moves) == 42:
            return moves


def rss_kib(pid: int) -> int:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def receive(ws: ClientConnection, kind: str) -> dict[str, object]:
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]
        if message["type"] == "error":
            raise RuntimeError(message["message"])


class Game:
    """One game: two sockets and the moves they will play."""

    def __init__(self, moves: list[int]) -> None:
        self.moves = moves
        self.latencies: list[float] = []
        self.errors = 0

    async def open(self, url: str) -> None:
        self.red = await connect(url, max_size=2**20, compression=None)
        await self.red.send(json.dumps({"type": "init"}))
        keys = await receive(self.red, "init")
        self.yellow = await connect(url, max_size=2**20, compression=None)
        await self.yellow.send(json.dumps({"type": "init", "join": keys["join"]}))
        await self.yellow.send(json.dumps({"type": "ping"}))
        await receive(self.yellow, "pong")

    async def play(self, interval: float, until: float, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, interval))
        for index, column in enumerate(self.moves):
            if time.monotonic() > until:
                return
            mover, other = (self.red, self.yellow) if index % 2 == 0 else (self.yellow, self.red)
            started = time.perf_counter()
            await mover.send(json.dumps({"type": "play", "column": column}))
            try:
                await asyncio.wait_for(receive(other, "play"), 10)
                await asyncio.wait_for(receive(mover, "play"), 10)
            except (RuntimeError, TimeoutError):
                self.errors += 1
                return
            self.latencies.append(time.perf_counter() - started)
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    async def close(self) -> None:
        await self.red.close()
        await self.yellow.close()


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    sequences = [drawn_sequence(rng) for _ in range(20)]
    workdir = Path(tempfile.mkdtemp(prefix="c4bench-"))
    server = LiveServer(workdir, name="parlor_bench")
    server.env["LOG_LEVEL"] = "WARNING"
    server.command_prefix = ["taskset", "-c", "0"]
    server.start()
    assert server.process is not None
    os.sched_setaffinity(0, {1})
    try:
        idle = rss_kib(server.process.pid)
        url = server.ws_url + "/ws/connect4/"
        games = [Game(sequences[i % len(sequences)]) for i in range(args.games)]
        opened = time.perf_counter()
        for start in range(0, len(games), 50):
            await asyncio.gather(*(game.open(url) for game in games[start : start + 50]))
        opened = time.perf_counter() - opened
        loaded = rss_kib(server.process.pid)
        # The load client is Python too: keep its own full collections out of the measured latency.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 100, 100)
        until = time.monotonic() + args.seconds
        server_cpu, client_cpu = cpu_seconds(server.process.pid), time.process_time()
        await asyncio.gather(*(game.play(args.interval, until, rng) for game in games))
        server_cpu = cpu_seconds(server.process.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        after = rss_kib(server.process.pid)
        await asyncio.gather(*(game.close() for game in games), return_exceptions=True)
    finally:
        server.stop()
    latencies = sorted(ms * 1000 for game in games for ms in game.latencies)
    errors = sum(game.errors for game in games)
    sockets = 2 * args.games

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    print(
        f"games {args.games} ({sockets} sockets) opened in {opened:.1f}s; "
        f"{args.seconds}s of play, one move per game every {args.interval}s"
    )
    print(
        f"database: {server.env['DATABASE_URL'].split('://')[0]}; "
        f"layer: {'redis' if os.environ.get('REDIS_URL') else 'in-memory'}"
    )
    print(f"moves {len(latencies)} ({len(latencies) / args.seconds:.0f}/s), errors {errors}")
    print(
        f"CPU during play: server {100 * server_cpu / args.seconds:.0f}% of its core "
        f"({1e3 * server_cpu / max(len(latencies), 1):.2f} ms per move), "
        f"load client {100 * client_cpu / args.seconds:.0f}%"
    )
    print(
        f"move -> opponent receives: p50 {pct(50):.2f} ms, p95 {pct(95):.2f} ms, p99 {pct(99):.2f} ms, "
        f"max {latencies[-1]:.2f} ms, mean {statistics.fmean(latencies):.2f} ms"
    )
    print(
        f"server RSS: idle {idle / 1024:.1f} MiB, all open {loaded / 1024:.1f} MiB, after play {after / 1024:.1f} MiB; "
        f"per connection {(loaded - idle) / sockets:.1f} KiB (incl. its share of the room), "
        f"{(after - idle) / sockets:.1f} KiB after play"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a game's moves")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
