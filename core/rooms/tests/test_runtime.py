"""The room runtime with toy games: one tick loop per room, fan-out encoded once per viewer, secrets kept."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec
import pytest
from channels.db import database_sync_to_async

from core.accounts.services import guest_create
from core.rooms import registry
from core.rooms.codecs import STATE
from core.rooms.models import Match
from core.rooms.protocol import JSON, Event, Game, IllegalAction, Outcome
from core.rooms.runtime import runtime

pytestmark = pytest.mark.django_db(transaction=True)


class Boost(msgspec.Struct, forbid_unknown_fields=True):
    amount: int


@dataclass
class Count:
    value: float = 0.0
    secret: int = 0


class Ticker(Game[Count]):
    """Real-time toy: the count grows with time; reaching 1.0 ends the game. Seat 0 has a secret."""

    slug = "test-ticker"
    name = "Ticker"
    min_players = 1
    max_players = 2
    tick_hz = 100.0
    actions: ClassVar = {"boost": Boost}

    def setup(self, players: int, options: Any, rng: random.Random) -> Count:
        return Count(secret=rng.randint(1, 10**9))

    def apply(self, state: Count, seat: int, action: Boost) -> list[Event]:
        if action.amount > 10:
            raise IllegalAction("Too much.")
        state.value += action.amount
        return [Event("boosted", {"by": seat}), Event("whisper", {"secret": state.secret}, to=frozenset({0}))]

    def tick(self, state: Count, dt: float) -> list[Event]:
        state.value += dt
        return []

    def view(self, state: Count, seat: int | None) -> JSON:
        return {"value": state.value, **({"secret": state.secret} if seat == 0 else {})}

    def outcome(self, state: Count) -> Outcome | None:
        return Outcome((0,), "time is up") if state.value >= 1.0 else None


class Member:
    """A fake socket that records what the runtime pushes to it."""

    codec = STATE

    def __init__(self, user: Any) -> None:
        self.user = user
        self.frames: list[str] = []
        self.closed_with: int | None = None

    def push(self, frame: str) -> None:
        self.frames.append(frame)

    push_latest = push

    def shut(self, code: int) -> None:
        self.closed_with = code

    def states(self) -> list[dict[str, Any]]:
        return [json.loads(frame) for frame in self.frames]


@pytest.fixture(autouse=True)
def ticker() -> Iterator[Ticker]:
    game = Ticker()
    registry.register(game)
    yield game
    registry.unregister(game.slug)


async def _room(game: Ticker, players: int = 2) -> Any:
    users = [await database_sync_to_async(guest_create)() for _ in range(players)]
    room = await runtime.create(game=game, options=game.Options(), public=True, creator=users[0], seated=users)
    return room, users


async def test_one_tick_loop_per_room_whatever_the_connections(ticker: Ticker) -> None:
    """Three sockets, one loop; ticks are published until the game ends, then the loop stops."""
    room, users = await _room(ticker)
    spectator = await database_sync_to_async(guest_create)()
    members = [Member(users[0]), Member(users[1]), Member(spectator)]
    for member in members:
        await room.attach(member)
    loops = [task for task in asyncio.all_tasks() if task.get_name() == f"room:{room.id}:tick"]
    assert len(loops) == 1
    for _ in range(100):
        if room.status == "finished":
            break
        await asyncio.sleep(0.05)
    assert room.status == "finished" and room.tick_task is None
    values = [state["view"]["value"] for state in members[2].states() if state["view"]]
    assert len(values) > 20 and values == sorted(values)
    match = await Match.objects.aget(room_id=room.id)
    assert match.result == {"winners": [0], "reason": "time is up", "draw": False}


async def test_fan_out_encodes_once_per_viewer_and_hides_secrets(ticker: Ticker) -> None:
    """Two spectators get the very same string; only seat 0 ever sees the secret."""
    room, users = await _room(ticker)
    room.tick_task.cancel()
    room.tick_task = None
    watchers = [Member(await database_sync_to_async(guest_create)()) for _ in range(2)]
    player0, player1 = Member(users[0]), Member(users[1])
    for member in [player0, player1, *watchers]:
        await room.attach(member)
    await room.act(player1, {"type": "boost", "amount": 0})
    assert watchers[0].frames[-1] is watchers[1].frames[-1]
    secret = str(room.state.secret)
    assert all(secret not in frame for member in (player1, *watchers) for frame in member.frames)
    assert secret in player0.frames[-1]
    assert player0.states()[-1]["events"] == [{"type": "boosted", "by": 1}, {"type": "whisper", "secret": int(secret)}]
    assert player1.states()[-1]["events"] == [{"type": "boosted", "by": 1}]


async def test_refused_action_changes_nothing_and_stores_nothing(ticker: Ticker) -> None:
    """An action the rules refuse leaves the state, the sequence and the log as they were."""
    room, users = await _room(ticker)
    room.tick_task.cancel()
    room.tick_task = None
    player = Member(users[0])
    await room.attach(player)
    before = (room.state.value, room.seq)
    with pytest.raises(IllegalAction, match="Too much."):
        await room.act(player, {"type": "boost", "amount": 11})
    assert (room.state.value, room.seq) == before
    assert await Match.objects.filter(room_id=room.id, actions__isnull=False).acount() == 0


async def test_journal_commits_concurrent_appends_together_and_isolates_a_bad_row() -> None:
    """Appends from many rooms share commits; a duplicate seq fails alone, its neighbours are stored."""
    from core.rooms.journal import Journal
    from core.rooms.models import Action

    game = registry.get("tictactoe")
    assert game is not None
    rooms = [(await _room_of(game)) for _ in range(3)]
    journal = Journal()
    await journal.append(match_id=rooms[0].match.id, seq=1, seat=0, payload={"type": "mark", "cell": 0})
    results = await asyncio.gather(
        *(journal.append(match_id=r.match.id, seq=2, seat=1, payload={"type": "mark", "cell": 1}) for r in rooms),
        journal.append(match_id=rooms[0].match.id, seq=1, seat=0, payload={"type": "mark", "cell": 2}),
        return_exceptions=True,
    )
    assert results[:3] == [None, None, None] and isinstance(results[3], Exception)
    stored = [(a.match_id, a.seq, a.payload["cell"]) async for a in Action.objects.order_by("match_id", "seq")]
    assert stored == [(rooms[0].match.id, 1, 0), *((r.match.id, 2, 1) for r in rooms)]


async def _room_of(game: Any) -> Any:
    users = [await database_sync_to_async(guest_create)() for _ in range(2)]
    return await runtime.create(game=game, options=game.Options(), public=True, creator=users[0], seated=users)
