"""Arena: what one 20 Hz tick of a big world costs the server's core, without sockets.

A world of N ships (half thrusting, steering every tick, a quarter firing now and then) runs tick after tick
in this process. Each tick is timed in four parts, as the server runs them: the inputs (each player's
``facing`` at 10 Hz, the lane's rate), the simulation (``Arena.tick``), the lane's encoding
(``Encoder.encode``: quantised cells and the roster) and the frames (``Snapshot.frame`` for every
viewer: the cells' delta and key blocks on first use, then one header and one shared tail per viewer).
The socket writes are left out: ``arena_compat.py --only lane`` measures them with real clients.

It prints the median and p99 of each part and of their sum, and the share of the 50 ms tick period they
take. The issue's goal is a p99 tick time (simulation and encoding) of 20 ms or less at 2,000 players.
With ``--against REV`` the arena's rules.py and snapshots.py of git revision REV are measured too, in turns
with the working tree's (``--rounds`` each, in child processes), and the ratios of their medians printed.

    .venv/bin/python benchmarks/arena_tick.py --players 500,1000,2000 --ticks 200
    .venv/bin/python benchmarks/arena_tick.py --players 2000 --against HEAD~1 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a child measuring another revision has that revision's games package first
    sys.path.append(str(ROOT))

from core.loadtest.client import percentile  # noqa: E402
from games.arena.rules import Arena, Facing, Fire, MouseDown, MouseUp  # noqa: E402
from games.arena.snapshots import KEY_EVERY, Encoder, Sight  # noqa: E402

PERIOD = 0.05
PARTS = ("inputs", "tick", "encode", "frames")


def run(players: int, ticks: int, seed: int) -> dict[str, list[float]]:
    """Per-tick seconds of each part, for ``ticks`` ticks after a warm-up of KEY_EVERY."""
    game, rng = Arena(), random.Random(seed)
    state = game.setup(players, None, rng)
    for seat in range(players):
        game.join(state, seat, f"player {seat}")
    encoder = Encoder()
    sights = [Sight(phase=seat % KEY_EVERY) for seat in range(players)]
    times: dict[str, list[float]] = {part: [] for part in PARTS}
    for number in range(KEY_EVERY + ticks):
        started = time.perf_counter()
        for seat in range(number % 2, players, 2):  # facing at 10 Hz: half of the players each tick
            game.apply(state, seat, Facing(facing=math.remainder(seat + number * 0.025, math.tau)))
        for seat in range(number % 20, players, 20):  # thrust toggled every second, a shot every second
            game.apply(state, seat, MouseDown() if number % 40 < 20 else MouseUp())
            game.apply(state, seat, Fire())
        simulated = time.perf_counter()
        events = game.tick(state, PERIOD)
        encoded = time.perf_counter()
        snapshot = encoder.encode(
            state, [(event.data["by"], event.data["victim"]) for event in events if event.type == "hit"]
        )
        framed = time.perf_counter()
        for seat, sight in enumerate(sights):
            snapshot.frame(sight, seat)
        done = time.perf_counter()
        if number >= KEY_EVERY:
            for part, seconds in zip(
                PARTS, (simulated - started, encoded - simulated, framed - encoded, done - framed), strict=True
            ):
                times[part].append(seconds)
    return times


def measure(sizes: list[int], ticks: int, seed: int) -> dict[int, dict[str, list[float]]]:
    """Each size's per-tick seconds by part, plus ``total``."""
    results = {}
    for players in sizes:
        times = run(players, ticks, seed)
        times["total"] = [sum(parts) for parts in zip(*times.values(), strict=True)]
        results[players] = times
    return results


def row(players: int, times: dict[str, list[float]]) -> str:
    parts = [sorted(times[part]) for part in (*PARTS, "total")]
    cells = [f"{statistics.median(values) * 1e3:.2f} / {percentile(values, 99) * 1e3:.2f}" for values in parts]
    return f"{players} | " + " | ".join(cells) + f" | {statistics.median(times['total']) / PERIOD:.0%}"


def checkout(revision: str, into: Path) -> None:
    """The arena's rules and snapshots at ``revision`` as a ``games.arena`` package under ``into``."""
    package = into / "games" / "arena"
    package.mkdir(parents=True)
    for init in (into / "games" / "__init__.py", package / "__init__.py"):
        init.write_text("")
    for name in ("rules.py", "snapshots.py"):
        source = subprocess.run(["git", "show", f"{revision}:games/arena/{name}"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout  # fmt: skip
        (package / name).write_text(source)


def child(tree: Path | None, args: argparse.Namespace) -> dict[int, dict[str, list[float]]]:
    """One measurement in a fresh process, with ``tree``'s games package first on the path if given."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)] if tree else [str(ROOT)])}
    command = [sys.executable, __file__, "--players", args.players, "--ticks", str(args.ticks), "--seed",
               str(args.seed), "--emit-json"]  # fmt: skip
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    found, times = out.split("\n", 1)
    assert found == str(tree / "games" / "arena" if tree else ROOT / "games" / "arena"), found
    return {int(size): values for size, values in json.loads(times).items()}


def compare(args: argparse.Namespace, sizes: list[int]) -> None:
    """The working tree against ``--against``, in turns; ratios of the medians of each round's medians."""
    with tempfile.TemporaryDirectory() as folder:
        checkout(args.against, Path(folder))
        medians: dict[str, dict[int, dict[str, list[float]]]] = {"now": {}, "then": {}}
        for number in range(args.rounds):
            for name, tree in (("then", Path(folder)), ("now", None)):
                for players, times in child(tree, args).items():
                    print(f"round {number + 1}, {name:4}: {row(players, times)}", flush=True)
                    for part, values in times.items():
                        medians[name].setdefault(players, {}).setdefault(part, []).append(statistics.median(values))
    print(f"\nworking tree / {args.against}, median of the rounds' medians (below 1: faster now)")
    print("players | " + " | ".join((*PARTS, "total")))
    for players in sizes:
        ratios = [statistics.median(medians["now"][players][p]) / statistics.median(medians["then"][players][p])
                  for p in (*PARTS, "total")]  # fmt: skip
        print(f"{players} | " + " | ".join(f"{ratio:.2f}" for ratio in ratios))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", default="500,1000,2000", help="comma-separated world sizes")
    parser.add_argument("--ticks", type=int, default=200, help="ticks measured per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--against", metavar="REV", help="also measure the arena code of this git revision")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each tree with --against")
    parser.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if 0 in os.sched_getaffinity(0):
        os.sched_setaffinity(0, {0})
    sizes = sorted({int(n) for n in args.players.split(",")})
    if args.emit_json:
        print(Path(sys.modules[Arena.__module__].__file__ or "").parent)
        print(json.dumps(measure(sizes, args.ticks, args.seed)))
    elif args.against:
        compare(args, sizes)
    else:
        print("players | " + " | ".join(f"{part} p50/p99 ms" for part in (*PARTS, "total")) + " | of 50 ms")
        for players, times in measure(sizes, args.ticks, args.seed).items():
            print(row(players, times))


if __name__ == "__main__":
    main()
