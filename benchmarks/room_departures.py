"""Rooms: what arrivals and a burst of departures cost the event loop in a room of N sockets, without sockets.

A live arena room (in memory, its tick loop not started, the database write of each departure replaced by a
no-op) gets N members attached one by one, then ``--leave`` of them, spread over the room, leave at once, as
when a network blip or the stall timeout drops many players in the same tick. Each arrival and departure runs
under the room's lock, on the event loop, so its time is time the world's ticks wait. It prints the median
cost of one arrival and one departure over ``--rounds`` rooms, and the whole burst.

    .venv/bin/python benchmarks/room_departures.py --members 500,1000,2000 --leave 200

To compare with another revision, run this script from a copy of that revision's tree
(``git archive REV | tar -x -C /tmp/old``, then ``cp benchmarks/room_departures.py /tmp/old/benchmarks/``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from core.accounts.models import User  # noqa: E402
from core.rooms import registry, store  # noqa: E402
from core.rooms.live import LiveRoom  # noqa: E402
from core.rooms.runtime import runtime  # noqa: E402
from games.arena.lane import LANE  # noqa: E402
from games.arena.snapshots import Sight  # noqa: E402


class Socket:
    """A lane member that discards what it is sent."""

    codec = LANE

    def __init__(self, user: User) -> None:
        self.user, self.state = user, Sight()

    def push(self, frame: str) -> None:
        pass

    push_latest = push

    def shut(self, code: int) -> None:
        pass


def room(members: int) -> LiveRoom:
    """A playing arena with ``members`` seated players, none of them attached yet."""
    game = registry.get("arena")
    assert game is not None
    players = list(range(1, members + 1))
    record = store.RoomRecord(
        id=f"bench-{members}", game="arena", options={}, public=True, status="playing", join_key="k",
        created_by=1, seats=[store.SeatRecord(uid - 1, uid, f"player {uid}") for uid in players],
        match=store.MatchRecord(id=1, number=1, seed=7, players=players, status="playing", result=None),
    )  # fmt: skip
    return LiveRoom(record, game, runtime)


async def one_round(members: int, leave: int) -> dict[str, float]:
    """Seconds per arrival, per departure, and for the whole burst of departures, in one fresh room."""
    live = room(members)
    sockets = [Socket(User(pk=uid, username=f"player{uid}")) for uid in range(1, members + 1)]
    started = time.perf_counter()
    for socket in sockets:
        await live.attach(socket)  # type: ignore[arg-type]
    arrivals = time.perf_counter() - started
    leaving = sockets[:: max(1, members // leave)][:leave]
    started = time.perf_counter()
    await asyncio.gather(*(live.detach(socket) for socket in leaving))  # type: ignore[arg-type]
    burst = time.perf_counter() - started
    await asyncio.gather(*runtime.tasks, return_exceptions=True)  # the batched seat removals
    assert len(live.state.ships) == members - len(leaving)
    return {"arrival": arrivals / members, "departure": burst / len(leaving), "burst": burst}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", default="500,1000,2000", help="comma-separated room sizes")
    parser.add_argument("--leave", type=int, default=200, help="players who leave at once")
    parser.add_argument("--rounds", type=int, default=5, help="fresh rooms per size; medians are printed")
    args = parser.parse_args()
    store.seats_remove = lambda **where: None  # no database here: only the loop's cost
    settings.PARLOR["DROP_IN_GRACE"] = 0  # each ship leaves with its socket (a grace's end does the same work)
    print(f"{'members':>8} | {'arrival':>10} | {'departure':>10} | burst of {args.leave}")
    for members in (int(n) for n in args.members.split(",")):
        rounds: list[dict[str, Any]] = [await one_round(members, args.leave) for _ in range(args.rounds)]
        arrival, departure, burst = (
            statistics.median(r[key] for r in rounds) for key in ("arrival", "departure", "burst")
        )
        print(f"{members:>8} | {arrival * 1e6:>7.0f} µs | {departure * 1e6:>7.0f} µs | {burst * 1e3:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
