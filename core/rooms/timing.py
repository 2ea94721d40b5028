"""Time in a room: the fixed-step tick loop of real-time games and the phase clock of turn-based ones.

A mixin of ``LiveRoom`` (``live.py``), split off to keep each file about one concern.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from core.ops import metrics
from core.ops.ticks import TickWindow

from .log import expiry
from .phases import PhaseClock
from .protocol import JSON, Event, Game

if TYPE_CHECKING:
    from .runtime import RoomRuntime

log = logging.getLogger(__name__)


class RoomTime:
    """The time part of ``LiveRoom``: ticks under the room's lock, measured; phase clocks expiring into actions."""

    if TYPE_CHECKING:
        id: str
        game: Game[Any]
        runtime: RoomRuntime
        lock: asyncio.Lock
        status: str
        closed: bool
        state: Any
        writing: float
        ticks: TickWindow
        phase_clock: PhaseClock

        async def _after(self, events: list[Event], tick: bool = False) -> None: ...

        async def _commit(self, seat: int, payload: JSON, events: list[Event], mover: Any = None) -> None: ...

    async def _tick_loop(self) -> None:
        """Fixed-step ticks at ``tick_hz``; a late loop skips ahead rather than bursting."""
        assert self.game.tick_hz
        period = 1 / self.game.tick_hz
        duration = metrics.TICK_SECONDS.labels(self.game.slug, self.id)
        lateness = metrics.TICK_LATENESS.labels(self.game.slug, self.id)
        writing = metrics.TICK_WRITES.labels(self.game.slug, self.id)
        deadline = self.runtime.clock()
        while True:
            deadline += period
            delay = deadline - self.runtime.clock()
            if delay < -5 * period:
                deadline = self.runtime.clock()
            await asyncio.sleep(max(delay, 0))
            async with self.lock:
                if self.status != "playing" or self.closed:
                    return
                started, self.writing = time.perf_counter(), 0.0
                late = max(self.runtime.clock() - deadline, 0.0)
                lateness.observe(late)
                try:
                    await self.tick_once(period)
                except Exception:  # a bug in one tick must not stop the world: log it, count it, go on
                    log.exception("room %s: tick failed", self.id)
                    metrics.ERRORS.labels("tick").inc()
                spent = time.perf_counter() - started - self.writing
                duration.observe(spent)
                writing.observe(self.writing)
                self.ticks.add(deadline, spent, late)

    async def tick_once(self, dt: float) -> None:
        """One tick of a real-time game (the caller holds the lock)."""
        await self._after(self.game.tick(self.state, dt), tick=True)

    def _arm_clock(self) -> None:
        """Follow the game's phase clock: a new key starts a countdown; none stops it."""
        playing = self.status == "playing" and not self.closed
        self.phase_clock.follow(self.game.timer(self.state) if playing else None)

    def _clock_rang(self, key: int) -> None:
        self.runtime.spawn(self.expire(key), name=f"room:{self.id}:expire")

    async def expire(self, key: int) -> None:
        """Phase clock ``key`` ran out: the game skips what was missing; stored, then published."""
        async with self.lock:
            if self.closed or self.status != "playing" or self.phase_clock.key != key:
                return
            self.phase_clock.handle = None
            events = self.game.expire(self.state, key)
            await self._commit(0, expiry(key), events)

    def clock(self) -> JSON | None:
        """The running phase clock for pages: seconds left and its length."""
        return self.phase_clock.as_json()
