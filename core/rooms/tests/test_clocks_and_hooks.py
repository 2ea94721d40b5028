"""Phase clocks, prepared content, the finished hook and unlogged actions, with a toy turn-based game."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec
import pytest
from channels.db import database_sync_to_async

from core.accounts.services import guest_create
from core.rooms import registry
from core.rooms.models import Action, Match
from core.rooms.protocol import JSON, Event, Game, Outcome, Timer
from core.rooms.runtime import runtime

from .test_runtime import Member

pytestmark = pytest.mark.django_db(transaction=True)


class Answer(msgspec.Struct, forbid_unknown_fields=True):
    word: str


class Wave(msgspec.Struct, forbid_unknown_fields=True):
    pass


@dataclass
class Quiz:
    turn: int = 0
    answers: list[str] = field(default_factory=list)
    topic: str = "none"
    waves: int = 0


class QuizGame(Game[Quiz]):
    """Two players answer in turns; each turn has a clock; three turns end it. Content gives the topic."""

    slug = "test-quiz"
    name = "Quiz"
    min_players = 2
    max_players = 2
    actions: ClassVar = {"answer": Answer, "wave": Wave}
    unlogged = frozenset({"wave"})
    seconds = 0.3

    def setup(self, players: int, options: Any, rng: random.Random) -> Quiz:
        return Quiz()

    def provide(self, state: Quiz, content: JSON) -> None:
        state.topic = content["topic"]

    def apply(self, state: Quiz, seat: int, action: Any) -> list[Event]:
        if isinstance(action, Wave):
            state.waves += 1
            return [Event("waved", {"seat": seat})]
        state.answers.append(action.word)
        state.turn += 1
        return [Event("answered", {"seat": seat})]

    def timer(self, state: Quiz) -> Timer | None:
        return Timer(state.turn, self.seconds)

    def expire(self, state: Quiz, key: int) -> list[Event]:
        state.answers.append("-")
        state.turn += 1
        return [Event("skipped", {"turn": key})]

    def view(self, state: Quiz, seat: int | None) -> JSON:
        return {"answers": state.answers, "topic": state.topic, "waves": state.waves}

    def outcome(self, state: Quiz) -> Outcome | None:
        return Outcome((0,), "three turns") if state.turn >= 3 else None


@dataclass
class Hooks:
    prepared: list[Sequence[JSON]] = field(default_factory=list)
    finished: list[registry.Finished] = field(default_factory=list)

    async def prepare(self, options: msgspec.Struct, earlier: Sequence[JSON]) -> JSON:
        self.prepared.append(list(earlier))
        return {"topic": f"topic {len(earlier) + 1}"}

    async def finish(self, done: registry.Finished) -> None:
        self.finished.append(done)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    record = Hooks()
    registry.register(QuizGame(), hooks=registry.Hooks(prepare=record.prepare, finished=record.finish))
    yield record
    registry.unregister("test-quiz")


async def _quiz() -> tuple[Any, list[Any]]:
    game = registry.get("test-quiz")
    assert game is not None
    users = [await database_sync_to_async(guest_create)() for _ in range(2)]
    room = await runtime.create(game=game, options=game.Options(), public=True, creator=users[0], seated=users)
    return room, users


async def _entries(room_id: str) -> list[JSON]:
    return [a.payload async for a in Action.objects.filter(match__room_id=room_id).order_by("match", "seq")]


async def test_a_clock_that_runs_out_is_stored_then_shown_and_replayed(hooks: Hooks) -> None:
    """The turn's clock runs out: the skip is logged as room.expire, shown with the clock, and survives a reload."""
    room, users = await _quiz()
    member = Member(users[0])
    await room.attach(member)
    assert member.states()[-1]["room"]["clock"]["total"] == QuizGame.seconds
    await room.act(member, {"type": "answer", "word": "yes"})
    for _ in range(60):
        if len(room.state.answers) == 2 and room.seq == 2:
            break
        await asyncio.sleep(0.05)
    assert room.state.answers == ["yes", "-"]
    assert await _entries(room.id) == [{"type": "answer", "word": "yes"}, {"type": "room.expire", "key": 1}]
    assert member.states()[-1]["events"] == [{"type": "skipped", "turn": 1}]
    await runtime.reset()
    reloaded = await runtime.get(room.id)
    assert reloaded.state.answers == ["yes", "-"] and reloaded.clock() is not None


async def test_an_answer_in_time_cancels_the_clock(hooks: Hooks) -> None:
    """The clock of a turn already played never fires: only the next turn's clock is running."""
    game = registry.get("test-quiz")
    assert isinstance(game, QuizGame)
    game.seconds = 1.0  # generous margins: the first clock must not ring although 1.2 s pass in all
    room, users = await _quiz()
    member = Member(users[0])
    await room.attach(member)
    await asyncio.sleep(0.6)
    await room.act(member, {"type": "answer", "word": "a"})
    await asyncio.sleep(0.6)
    assert room.state.answers == ["a"] and room.phase_clock.key == 1


async def test_content_is_prepared_at_creation_stored_and_never_repeated(hooks: Hooks) -> None:
    """Content is made when the room is created, kept with the match, and the rematch's differs."""
    room, users = await _quiz()
    assert hooks.prepared == [[]]
    assert room.state.topic == "topic 1"
    first = await Match.objects.aget(room_id=room.id, number=1)
    assert first.content == {"topic": "topic 1"}
    for word in ("a", "b", "c"):
        await room.act(Member(users[room.state.turn % 2]), {"type": "answer", "word": word})
    assert room.status == "finished"
    assert [done.state.answers for done in hooks.finished] == [["a", "b", "c"]]
    await room.ask_rematch(users[0])
    await room.ask_rematch(users[1])
    assert room.state.topic == "topic 2" and hooks.prepared[-1] == [{"topic": "topic 1"}]
    await runtime.reset()
    assert (await runtime.get(room.id)).state.topic == "topic 2"


async def test_unlogged_actions_are_shown_but_not_stored(hooks: Hooks) -> None:
    """A wave reaches everyone but never enters the log."""
    room, users = await _quiz()
    other = Member(users[1])
    await room.attach(other)
    await room.act(Member(users[0]), {"type": "wave"})
    assert other.states()[-1]["events"] == [{"type": "waved", "seat": 0}]
    assert room.state.waves == 1 and await _entries(room.id) == []
