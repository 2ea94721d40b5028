"""What seated players do to a room besides playing: sit, leave, start, rematch, resign, claim.

A mixin of ``LiveRoom`` (``live.py``), split off to keep each file about one concern. Every request
takes the room's lock, so seat changes never interleave with actions or ticks; only the storage write of a
drop-in player's departure runs after the lock is released (``_unseat``), and a return waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async

from core.accounts.models import User

from . import store
from .protocol import Event, Game, IllegalAction, Outcome

if TYPE_CHECKING:
    from .runtime import RoomRuntime

db = database_sync_to_async
log = logging.getLogger(__name__)


class SeatActions:
    """The seat and match-level requests of ``LiveRoom``."""

    if TYPE_CHECKING:
        id: str
        game: Game[Any]
        runtime: RoomRuntime
        lock: asyncio.Lock
        status: str
        public: bool
        join_key: str
        seats: list[store.SeatRecord]
        match: store.MatchRecord | None
        rematch: set[int]
        away_since: dict[int, float]
        leaving: set[int]
        _removal: asyncio.Task[None] | None

        def ordered_seats(self) -> list[store.SeatRecord]: ...

        def _is_bot(self, user_id: int) -> bool: ...

        def _enter(self, user_id: int) -> list[Event]: ...

        def _leave_world(self, user_id: int) -> list[Event]: ...

        async def _start_match(self, players: list[int]) -> None: ...

        async def _changed(self, events: list[Event], only: int | None = None) -> None: ...

        async def _finish(self, outcome: Outcome, events: list[Event]) -> None: ...

    async def sit(self, user: User, key: str | None) -> None:
        """Take a free seat: from a public room's lobby entry, or with the join link's key."""
        async with self.lock:
            if any(seat.user_id == user.pk for seat in self.seats):
                return
            drop_in = self.game.drop_in and self.status == "playing"
            if self.status != "waiting" and not drop_in:
                raise IllegalAction("This game has already started; you can watch it.")
            if not self.public and key != self.join_key:
                raise IllegalAction("This room is private: you need its join link to take a seat.")
            if len(self.seats) >= self.game.max_players:
                raise IllegalAction("This room is full; you can watch it.")
            if user.pk in self.leaving and self._removal is not None:  # back before their old seat is gone
                await asyncio.wait([self._removal])
            taken = {seat.index for seat in self.seats}
            index = min(set(range(self.game.max_players)) - taken)
            self.seats.append(await db(store.seat_add)(room_id=self.id, user_id=user.pk, index=index))
            self.seats.sort(key=lambda seat: seat.index)
            if drop_in:
                assert self.match is not None
                if user.pk not in self.match.players:
                    self.match.players.append(user.pk)
                await self._changed(self._enter(user.pk), only=user.pk)  # nobody else's seat moved
                return
            if len(self.seats) == self.game.max_players:
                await self._start_match([seat.user_id for seat in self.seats])
            await self._changed([])

    def _unseat(self, user_id: int) -> None:
        """Remove a departed drop-in player's seat from storage once the lock is released (the caller holds it).

        A database write under the lock would hold up the world's ticks. Departures are written together, one
        statement per batch, so that a burst of drops (a network blip) costs a few writes, not one each."""
        self.leaving.add(user_id)
        if self._removal is None or self._removal.done():
            self._removal = self.runtime.spawn(self._remove_seats(), name=f"room:{self.id}:unseat")

    async def _remove_seats(self) -> None:
        """Write the departures gathered so far, and again while more arrive during a write."""
        while self.leaving:
            batch = sorted(self.leaving)
            try:
                await db(store.seats_remove)(room_id=self.id, user_ids=batch)
            except Exception:  # the players are gone from the room either way; a stale row only reserves an index
                log.exception("room %s: could not remove the seats of users %s", self.id, batch)
            self.leaving.difference_update(batch)

    async def leave(self, user: User) -> None:
        """Give up a seat before the game starts, or leave a drop-in game's world at once (and watch)."""
        async with self.lock:
            drop_in = self.game.drop_in and self.status == "playing"
            if self.status != "waiting" and not drop_in:
                raise IllegalAction("You can only leave your seat before the game starts.")
            if not any(seat.user_id == user.pk for seat in self.seats):
                raise IllegalAction("You don't have a seat in this room.")
            if drop_in:
                await self._changed(self._leave_world(user.pk), only=user.pk)
                return
            await db(store.seat_remove)(room_id=self.id, user_id=user.pk)
            self.seats = [seat for seat in self.seats if seat.user_id != user.pk]
            await self._changed([])

    async def start(self, user: User) -> None:
        """Start before every seat is taken, once enough players sit."""
        async with self.lock:
            if self.status != "waiting":
                raise IllegalAction("The game has already started.")
            if not any(seat.user_id == user.pk for seat in self.seats):
                raise IllegalAction("Only seated players can start the game.")
            if len(self.seats) < self.game.min_players:
                raise IllegalAction(f"{self.game.name} needs at least {self.game.min_players} players.")
            await self._start_match([seat.user_id for seat in self.seats])
            await self._changed([])

    async def ask_rematch(self, user: User) -> None:
        """Vote for a rematch; when every player has (computers always agree), a new match starts, seats rotated."""
        async with self.lock:
            if self.status != "finished" or self.match is None:
                raise IllegalAction("A rematch is possible once the game is over.")
            if user.pk not in self.match.players:
                raise IllegalAction("Only the players can ask for a rematch.")
            self.rematch.add(user.pk)
            players = self.match.players
            if self.rematch | {uid for uid in players if self._is_bot(uid)} >= set(players):
                await self._start_match(players[1:] + players[:1])
            await self._changed([])

    async def resign(self, user: User) -> None:
        """Give up: every other player wins."""
        async with self.lock:
            seat = self._playing_seat(user)
            winners = tuple(index for index in range(len(self.ordered_seats())) if index != seat)
            await self._finish(Outcome(winners, f"{self.game.seat_label(seat)} resigned"), [])

    async def claim(self, user: User) -> None:
        """Win because every opponent has been gone for the grace period."""
        async with self.lock:
            seat = self._playing_seat(user)
            assert self.match is not None
            others = [uid for uid in self.match.players if uid != user.pk]
            present = [uid for uid in others if uid not in self.away_since]
            if present or not others:
                raise IllegalAction("Your opponent is still here.")
            wait = self.runtime.claim_after() - (self.runtime.clock() - max(self.away_since[uid] for uid in others))
            if wait > 0:
                raise IllegalAction(f"Your opponent may still come back: you can claim the win in {wait:.0f} s.")
            await self._finish(Outcome((seat,), "the opponent left"), [])

    def _playing_seat(self, user: User) -> int:
        if self.game.drop_in:
            raise IllegalAction("This world never ends: just leave when you want.")
        if not self.game.resignable:
            raise IllegalAction("Everyone plays together here: just leave when you want.")
        if self.status != "playing" or self.match is None:
            raise IllegalAction("There is no game in progress.")
        if user.pk not in self.match.players:
            raise IllegalAction("Only the players can do that.")
        return self.match.players.index(user.pk)
