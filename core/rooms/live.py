"""One live room: its seats, its match's state, its clocks and the sockets watching it.

The runtime (``runtime.py``) is the only code that creates live rooms.

Invariants:
- A room's state changes only inside ``LiveRoom`` methods that hold ``room.lock``, so actions
  are applied one at a time, in arrival order, and never interleave with a tick.
- An accepted action is appended to the log before anyone is told of it.
- After a restart, a room is rebuilt on first use by replaying its log from ``setup`` with the
  match's stored seed and content (rules are deterministic); a finished match keeps its stored result.
- A phase clock that runs out is logged like an action (``room.expire``) before anyone is told.
- Each update is encoded once per distinct (codec, viewer) and the same text is pushed to every
  socket of that pair.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any

import msgspec
from channels.db import database_sync_to_async
from django.urls import reverse

from core.ops import logs, metrics
from core.ops.ticks import TickWindow
from core.transport import closecodes, wire

from . import registry, store
from .bots import ComputerPlayers
from .fanout import publish
from .log import fresh_state, replay_entry
from .membership import Member, Membership, Viewer
from .phases import ContentSupply, PhaseClock
from .protocol import JSON, Event, Game, IllegalAction, Outcome
from .seating import SeatActions
from .summary import room_summary
from .timing import RoomTime

log = logging.getLogger(__name__)
db = database_sync_to_async

if TYPE_CHECKING:
    from .runtime import RoomRuntime


class LiveRoom(Membership, SeatActions, ComputerPlayers, RoomTime):
    """One room in memory: seats, the current match's state, and the sockets watching it."""

    def __init__(self, record: store.RoomRecord, game: Game[Any], runtime: RoomRuntime) -> None:
        self.id = record.id
        self.game = game
        self.runtime = runtime
        self.options = msgspec.convert(record.options, game.Options)
        self.public = record.public
        self.status = record.status
        self.join_key = record.join_key
        self.created_by = record.created_by
        self.seats = sorted(record.seats, key=lambda seat: seat.index)
        self.match = record.match
        self.state: Any = None
        self.seq = 0
        self._init_members()
        self.rematch: set[int] = set()
        self.away_since: dict[int, float] = {}
        self.present: set[int] = set()
        self.leaving: set[int] = set()  # departed drop-in players whose seat is still in storage
        self._removal: asyncio.Task[None] | None = None  # the task writing those departures
        self.lock = asyncio.Lock()
        self.closed = False
        self.tick_task: asyncio.Task[None] | None = None
        self.writing = 0.0  # seconds this tick spent writing frames to sockets (fanout.publish adds to it)
        self.ticks = TickWindow()  # the last seconds of ticks, for the staff's room monitor
        self.bot_task: asyncio.Task[None] | None = None
        self.hooks = registry.hooks(game.slug)
        self.phase_clock = PhaseClock(runtime.clock, self._clock_rang)
        self.content = ContentSupply(f"room:{self.id}:prepare", self._make_content if self.hooks.prepare else None)
        self.empty_since = runtime.clock()
        self.watch_url = reverse("rooms:room", args=[self.id])
        self.join_url = reverse("rooms:join", args=[self.id, self.join_key])
        if self.match is not None:
            self._replay(record.actions)
            if self.status == "playing" and not game.drop_in:
                self.away_since = {uid: runtime.clock() for uid in self.match.players if not self._is_bot(uid)}

    # Who is who.

    def ordered_seats(self) -> list[store.SeatRecord]:
        """Seats in game-seat order during a match, else in table order."""
        if self.match is None:
            return self.seats
        by_user = {seat.user_id: seat for seat in self.seats}
        return [by_user.get(uid) or store.SeatRecord(-1, uid, "?") for uid in self.match.players]

    def player_ids(self) -> set[int]:
        """Users playing the current match, or seated while waiting."""
        return {seat.user_id for seat in self.ordered_seats()}

    def replay_url(self) -> str:
        """The replay page of the current (finished) match."""
        assert self.match is not None
        return reverse("rooms:replay", args=[self.id, self.match.number])

    def _is_bot(self, user_id: int) -> bool:
        return any(seat.user_id == user_id and seat.bot for seat in self.seats)

    # Building state.

    def _replay(self, actions: list[tuple[int, dict[str, Any]]]) -> None:
        """Rebuild the current match from its seed, content and log."""
        match = self.match
        assert match is not None
        self.state = fresh_state(self.game, len(match.players), self.options, match.seed, match.content)
        for seat, payload in actions:
            replay_entry(self.game, self.state, seat, payload)
        self.seq = len(actions)

    def resume(self) -> None:
        """Start what a match in progress needs (its tick loop, clock, or a computer's turn), or prepare the next."""
        if self.status != "playing":
            self.content.start()
            return
        if self.game.tick_hz and self.tick_task is None:
            context = logs.task_context(room=self.id)  # not the ids of the socket that happened to load the room
            self.tick_task = asyncio.create_task(self._tick_loop(), name=f"room:{self.id}:tick", context=context)
        self._arm_clock()
        self._schedule_bot()

    async def _make_content(self) -> JSON:
        """The game's content for this room's next match, different from its earlier ones."""
        assert self.hooks.prepare is not None
        earlier = await db(store.match_contents)(self.id)
        return await self.hooks.prepare(self.options, earlier)

    async def _start_match(self, players: list[int]) -> None:
        """Set up a new match for ``players`` in game-seat order, stored before it is shown."""
        number = self.match.number + 1 if self.match else 1
        seed = secrets.randbits(62)
        content = await self.content.take()
        count = 0 if self.game.drop_in else len(players)
        try:
            state = fresh_state(self.game, count, self.options, seed, content)
        except ValueError:
            log.exception("room %s: the game refused its prepared content; playing without it", self.id)
            content, state = None, fresh_state(self.game, count, self.options, seed, None)
        self.match = await db(store.match_start)(
            room_id=self.id, number=number, seed=seed, players=players, content=content
        )
        self.state = state
        self.seq = 0
        self.status = "playing"
        self.rematch.clear()
        if self.game.drop_in:
            self.present.clear()
            for uid in players:
                self._enter(uid)
        else:
            online = self.online_users()
            self.away_since = {
                uid: self.runtime.clock() for uid in players if uid not in online and not self._is_bot(uid)
            }
        self.resume()

    # Playing (each under the lock, but for ``act_now``).

    async def act(self, member: Member, message: wire.JSON) -> None:
        """Apply one game action from a player's socket; store it, then tell everyone."""
        schema = self.game.actions.get(message["type"])
        if schema is None:
            raise wire.BadMessage(f"Unknown message type {message['type']!r}.")
        action = wire.convert(message, schema)
        async with self.lock:
            await self._apply(self._acting_seat(member), message["type"], action, mover=member)

    def act_now(self, member: Member, kind: str, action: msgspec.Struct) -> None:
        """Apply a validated real-time input at once, without a task, when the room is idle and nothing is stored.

        Otherwise it waits for the lock in a task, which sends the socket any refusal; here refusals raise.
        """
        if self.lock.locked() or (self.game.log_actions and kind not in self.game.unlogged):
            self.runtime.spawn(self._act_later(member, kind, action), name=f"room:{self.id}:act")
            return
        events = self.game.apply(self.state, self._acting_seat(member), action)
        metrics.ACCEPTED[self.game.slug] += 1
        if events:
            self._publish(events)

    async def _act_later(self, member: Member, kind: str, action: msgspec.Struct) -> None:
        try:
            async with self.lock:
                await self._apply(self._acting_seat(member), kind, action, mover=member)
        except IllegalAction as exc:
            member.push(wire.error(str(exc)))

    def _acting_seat(self, member: Member) -> int:
        """The seat ``member`` plays, or why it can't act now (the caller holds the lock or runs without awaiting)."""
        viewer = self.members.get(member) or self._viewer(member.user.pk)
        if self.status == "waiting":
            raise IllegalAction("The game hasn't started yet.")
        if self.status == "finished":
            raise IllegalAction("The game is over.")
        if viewer.seat is None:
            raise IllegalAction("You are watching this game; only its players can play.")
        return viewer.seat

    async def _apply(self, seat: int, kind: str, action: msgspec.Struct, mover: Member | None = None) -> None:
        """Apply, store, publish (the caller holds the lock)."""
        events = self.game.apply(self.state, seat, action)
        metrics.ACCEPTED[self.game.slug] += 1
        if not self.game.log_actions or kind in self.game.unlogged:
            if events:
                self._publish(events)
            return
        await self._commit(seat, {"type": kind, **msgspec.to_builtins(action)}, events, mover)

    async def _commit(self, seat: int, payload: JSON, events: list[Event], mover: Member | None = None) -> None:
        """Store an applied entry, then publish; if storing fails, the room is dropped and reloads from storage."""
        assert self.match is not None
        try:
            await self.runtime.journal.append(match_id=self.match.id, seq=self.seq + 1, seat=seat, payload=payload)
        except Exception:
            log.exception("room %s: could not store action %s", self.id, self.seq + 1)
            if mover is not None:
                mover.push(wire.error("Your move could not be saved; the room is reloading."))
            self._abandon()
            return
        self.seq += 1
        await self._after(events)

    # Telling the world.

    async def _after(self, events: list[Event], tick: bool = False) -> None:
        """After a state change: finish the match if the rules say so, else publish; then a computer may move."""
        outcome = self.game.outcome(self.state)
        if outcome is None:
            self._arm_clock()
            self._publish(events, tick=tick)
            self._schedule_bot()
        else:
            await self._finish(outcome, events)

    async def _finish(self, outcome: Outcome, events: list[Event]) -> None:
        """Store the result, stop the clocks, and announce it with a ``room.finished`` event."""
        assert self.match is not None
        result = outcome.as_json()
        await db(store.match_finish)(match_id=self.match.id, room_id=self.id, result=result)
        self.match.result, self.match.status, self.status = result, "finished", "finished"
        self.away_since.clear()
        self.phase_clock.stop()
        for task in (self.tick_task, self.bot_task):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self.tick_task = None
        await self._finished_hook()
        self.content.start()
        await self._changed([*events, Event("room.finished", result)])

    async def _finished_hook(self) -> None:
        """Let the game save what the match made (a drawing's picture) before the end is announced."""
        finish, match = self.hooks.finished, self.match
        if finish is None or match is None:
            return
        names = tuple(seat.name for seat in self.ordered_seats())
        done = registry.Finished(self.id, match.id, match.number, self.state, names)
        try:
            await finish(done)
        except Exception:
            log.exception("room %s: the game's finished hook failed", self.id)

    async def _changed(self, events: list[Event], only: int | None = None) -> None:
        """Seats or status changed: refresh every socket's viewer (or only that user's), publish, tell the lobby."""
        if only is not None:
            for member in self.sockets_of.get(only, []):
                self.members[member] = self._viewer(only)
        else:
            seat_of = {uid: index for index, uid in enumerate(self.match.players)} if self.match else {}
            seated = {seat.user_id for seat in self.seats}
            if self.game.drop_in:  # a drop-in player who left keeps an index in the match, not a seat
                seat_of = {uid: index for uid, index in seat_of.items() if uid in seated}
            for member in self.members:
                uid = member.user.pk
                self.members[member] = Viewer(seat_of.get(uid), uid in seated)
        self._members_changed()
        self._publish(events)
        self._schedule_bot()
        await self.runtime.announce(self.summary())

    def _publish(self, events: list[Event], skip: Member | None = None, tick: bool = False) -> None:
        """Push the change to every socket (see ``fanout.publish``)."""
        publish(self, events, tick=tick, skip=skip)

    def summary(self) -> wire.JSON:
        """This room as the lobby lists it."""
        return room_summary(
            room_id=self.id,
            game=self.game,
            status=self.status,
            public=self.public,
            players=[seat.name for seat in self.seats],
            join_url=self.join_url,
            watch_url=self.watch_url,
        )

    def unload(self) -> list[asyncio.Future[Any]]:
        """Forget this room in memory: stop its clock and tasks (it reloads from storage on demand)."""
        self.closed = True
        self._drop_holds()
        if self.runtime.rooms.get(self.id) is self:
            del self.runtime.rooms[self.id]
        metrics.forget_room(self.game.slug, self.id)
        self.phase_clock.stop()
        tasks: list[asyncio.Future[Any]] = [
            task for task in (self.tick_task, self.bot_task, self.content.task) if task is not None
        ]
        for task in tasks:
            if task is not asyncio.current_task():
                task.cancel()
        return tasks

    def _abandon(self) -> None:
        """Drop this in-memory copy (it may be ahead of storage); sockets reconnect to a fresh load."""
        self.unload()
        for member in list(self.members):
            member.shut(closecodes.RESTARTING)
