"""The sockets of a room: who watches with which codec, who is online, and arrivals and departures.

A mixin of ``LiveRoom`` (``live.py``). Beside ``members`` it keeps each user's sockets and how many sockets
use each codec, so that a departure, or an update nobody's codec wants, costs the same with 2,000 sockets
in the room as with two (a burst of drops once walked every socket for each one that left).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.conf import settings

from core.accounts.models import User

from .codecs import Codec
from .protocol import Event, Game

if TYPE_CHECKING:
    from . import store
    from .live import LiveRoom
    from .runtime import RoomRuntime


class Member(Protocol):
    """What the runtime needs of a socket in a room."""

    user: User
    codec: Codec

    def push(self, frame: str) -> None: ...

    def push_latest(self, frame: str) -> None: ...

    def shut(self, code: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    """Everything that makes two sockets see different things: their game seat and whether they sit."""

    seat: int | None
    seated: bool


class RoomNotFound(Exception):
    """No room has this id, or its game is not installed."""


class Membership:
    """The socket side of ``LiveRoom``: ``members`` and the tallies kept beside it."""

    if TYPE_CHECKING:
        id: str
        game: Game[Any]
        runtime: RoomRuntime
        lock: asyncio.Lock
        closed: bool
        status: str
        seats: list[store.SeatRecord]
        match: store.MatchRecord | None
        state: Any
        away_since: dict[int, float]
        present: set[int]
        empty_since: float

        def player_ids(self) -> set[int]: ...

        def _unseat(self, user_id: int) -> None: ...

        def _publish(self, events: list[Event], skip: Member | None = None, tick: bool = False) -> None: ...

    def _init_members(self) -> None:
        """No sockets yet (``LiveRoom.__init__``)."""
        self.members: dict[Member, Viewer] = {}
        self.sockets_of: dict[int, list[Member]] = {}  # user id -> that user's sockets here
        self.codecs: Counter[Codec] = Counter()  # codec -> how many members use it
        self._streams: dict[Codec, list[tuple[Member, Viewer]]] | None = None  # see ``streams``
        self.holds: dict[int, asyncio.TimerHandle] = {}  # drop-in players gone, whose ship waits for them

    def streams(self) -> dict[Codec, list[tuple[Member, Viewer]]]:
        """Each ``per_member`` codec's (socket, viewer) pairs, for its ``deliver`` every tick.

        Built once after ``members`` or a viewer changed (``_members_changed``), not walked for every tick."""
        if self._streams is None:
            streams: dict[Codec, list[tuple[Member, Viewer]]] = {}
            for member, viewer in self.members.items():
                if member.codec.per_member:
                    streams.setdefault(member.codec, []).append((member, viewer))
            self._streams = streams
        return self._streams

    def _members_changed(self) -> None:
        """A socket arrived or left, or a viewer changed: the pairs of ``streams`` are rebuilt when next asked."""
        self._streams = None

    def online_users(self) -> set[int]:
        """Users with at least one socket in the room."""
        return set(self.sockets_of)

    def _viewer(self, user_id: int) -> Viewer:
        """A user's seat in the match (a drop-in player who left keeps an index there, but has no seat)."""
        seated = any(s.user_id == user_id for s in self.seats)
        match = self.match
        if match is None or user_id not in match.players or (self.game.drop_in and not seated):
            return Viewer(None, seated)
        return Viewer(match.players.index(user_id), seated)

    def _enter(self, user_id: int) -> list[Event]:
        """Put a drop-in player into the running world (once)."""
        if self.match is None or user_id in self.present or user_id not in self.match.players:
            return []
        self.present.add(user_id)
        name = next((seat.name for seat in self.seats if seat.user_id == user_id), "?")
        return self.game.join(self.state, self.match.players.index(user_id), name)

    async def attach(self, member: Member) -> None:
        """Add a socket: it gets its welcome, everyone else the new state (who is online changed)."""
        async with self.lock:
            if self.closed:
                raise RoomNotFound(self.id)
            uid = member.user.pk
            viewer = self.members[member] = self._viewer(uid)
            self._members_changed()
            self.sockets_of.setdefault(uid, []).append(member)
            self.codecs[member.codec] += 1
            self.away_since.pop(uid, None)
            events: list[Event] = []
            if (hold := self.holds.pop(uid, None)) is not None and self.match is not None:
                hold.cancel()  # back in time: the same ship
                events = self.game.away(self.state, self.match.players.index(uid), False)
            elif self.game.drop_in and self.status == "playing" and viewer.seated:
                events = self._enter(uid)
            for frame in member.codec.welcome(cast("LiveRoom", self), viewer):
                member.push(frame)
            self._publish(events, skip=member)

    async def refresh(self, member: Member) -> None:
        """Send one socket its welcome again (a shared codec's page after it took a seat)."""
        async with self.lock:
            if member in self.members:
                viewer = self.members[member] = self._viewer(member.user.pk)
                self._members_changed()
                for frame in member.codec.welcome(cast("LiveRoom", self), viewer):
                    member.push(frame)

    async def detach(self, member: Member) -> None:
        """Remove a socket; its seat stays and a player's absence starts counting.

        A drop-in player's ship waits ``DROP_IN_GRACE`` seconds for them (a network blip, a reload) before it
        leaves the world with their seat; ``room.leave`` takes it out at once."""
        async with self.lock:
            if self.members.pop(member, None) is None:
                return
            self._members_changed()
            uid = member.user.pk
            sockets = self.sockets_of[uid]
            sockets.remove(member)
            if not sockets:
                del self.sockets_of[uid]
            self.codecs[member.codec] -= 1
            if not self.codecs[member.codec]:
                del self.codecs[member.codec]
            events: list[Event] = []
            gone = not sockets
            if self.game.drop_in and gone and uid in self.present and self.match is not None:
                grace = float(settings.PARLOR["DROP_IN_GRACE"])
                if grace > 0:
                    self.holds[uid] = asyncio.get_running_loop().call_later(grace, self._hold_ended, uid)
                    events = self.game.away(self.state, self.match.players.index(uid), True)
                else:
                    events = self._leave_world(uid)
            elif self.status == "playing" and uid in self.player_ids() and gone:
                self.away_since[uid] = self.runtime.clock()
            if not self.members:
                self.empty_since = self.runtime.clock()
            self._publish(events)

    def _hold_ended(self, user_id: int) -> None:
        """The grace is over (a timer callback): the ship leaves unless its player came back meanwhile."""
        self.runtime.spawn(self._end_hold(user_id), name=f"room:{self.id}:hold")

    async def _end_hold(self, user_id: int) -> None:
        """Take the held ship out, under the room's lock (a tick or an arrival may hold it now)."""
        async with self.lock:
            if self.holds.pop(user_id, None) is None or user_id in self.sockets_of or self.closed:
                return
            self._publish(self._leave_world(user_id))

    def _leave_world(self, user_id: int) -> list[Event]:
        """Take a drop-in player's ship out of the world and give up their seat (the caller holds the lock)."""
        if (hold := self.holds.pop(user_id, None)) is not None:
            hold.cancel()
        events: list[Event] = []
        if user_id in self.present and self.match is not None:
            self.present.discard(user_id)
            events = self.game.leave(self.state, self.match.players.index(user_id))
        self.seats = [seat for seat in self.seats if seat.user_id != user_id]
        self._unseat(user_id)
        return events

    def _drop_holds(self) -> None:
        """Stop waiting for absent drop-in players (the room leaves memory; their seats stay stored, as after a
        restart, and they drop back in when they return)."""
        for hold in self.holds.values():
            hold.cancel()
        self.holds.clear()
