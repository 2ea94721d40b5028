"""Computer players: when it is a computer's turn, it thinks in a worker thread and then plays like anyone else.

A mixin of ``LiveRoom`` (``live.py``), split off to keep each file about one concern.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from typing import TYPE_CHECKING, Any

import msgspec

from core.ops import logs
from core.transport import wire

from . import store
from .protocol import Game

if TYPE_CHECKING:
    from .runtime import RoomRuntime

log = logging.getLogger(__name__)


class ComputerPlayers:
    """The computer-player part of ``LiveRoom``: one move at a time, checked against the room's sequence."""

    if TYPE_CHECKING:
        id: str
        game: Game[Any]
        runtime: RoomRuntime
        lock: asyncio.Lock
        status: str
        closed: bool
        state: Any
        seq: int
        bot_task: asyncio.Task[None] | None

        def ordered_seats(self) -> list[store.SeatRecord]: ...

        async def _apply(self, seat: int, kind: str, action: msgspec.Struct, mover: Any = None) -> None: ...

    def _schedule_bot(self) -> None:
        """Start the computer's move if it is a computer's turn."""
        if self.status != "playing" or self.bot_task is not None or self.closed:
            return
        awaited = sorted(self.game.current_seats(self.state))
        if not awaited:
            return
        seats = self.ordered_seats()
        for seat in awaited:
            if seats[seat].bot:
                move = self._bot_move(seat, seats[seat].bot)
                context = logs.task_context(room=self.id)  # not the ids of the socket whose action led here
                self.bot_task = asyncio.create_task(move, name=f"room:{self.id}:bot", context=context)
                return

    async def _bot_move(self, seat: int, level: str) -> None:
        """Think in a worker thread (never on the event loop), then play like anyone else."""
        try:
            depth = self.game.bot_levels.get(level, min(self.game.bot_levels.values(), default=1))
            snapshot, seq = copy.deepcopy(self.state), self.seq
            message = await asyncio.to_thread(self.game.bot_action, snapshot, seat, depth, random.Random())
            await asyncio.sleep(self.runtime.bot_pause)
            async with self.lock:
                if self.closed or self.status != "playing" or self.seq != seq:
                    return
                await self._apply(seat, message["type"], wire.convert(message, self.game.actions[message["type"]]))
        except Exception:
            log.exception("room %s: the computer player failed", self.id)
        finally:
            self.bot_task = None
            if not self.lock.locked():
                self._schedule_bot()
