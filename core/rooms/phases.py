"""Two helpers a live room owns for games that need time or I/O beside their pure rules.

``PhaseClock`` follows a game's ``timer()`` and rings once when a phase runs out; ``ContentSupply``
makes the next match's prepared content (AI prompts) in the background, so a start rarely waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .protocol import JSON, Timer

log = logging.getLogger(__name__)


class PhaseClock:
    """One countdown at a time: a new key restarts it, ``None`` stops it; ``ring(key)`` is called when it ends."""

    def __init__(self, now: Callable[[], float], ring: Callable[[int], None]) -> None:
        self.now = now
        self.ring = ring
        self.key: int | None = None
        self.total = 0.0
        self.ends = 0.0
        self.handle: asyncio.TimerHandle | None = None

    def follow(self, timer: Timer | None) -> None:
        """Keep running if the game still names the same phase; otherwise restart or stop."""
        if timer is not None and timer.key == self.key:
            return
        self.stop()
        if timer is None:
            return
        self.key, self.total, self.ends = timer.key, timer.seconds, self.now() + timer.seconds
        self.handle = asyncio.get_running_loop().call_later(timer.seconds, self.ring, timer.key)

    def stop(self) -> None:
        """Cancel the countdown (the match ended, the room unloads)."""
        if self.handle is not None:
            self.handle.cancel()
        self.handle, self.key = None, None

    def as_json(self) -> JSON | None:
        """The running clock for pages: seconds left and its length."""
        if self.key is None:
            return None
        return {"remaining": round(max(0.0, self.ends - self.now()), 1), "total": self.total}


class ContentSupply:
    """The next match's content, made by a game's ``prepare`` hook in a task started as early as possible."""

    def __init__(self, name: str, make: Callable[[], Awaitable[JSON]] | None) -> None:
        self.name = name
        self.make = make
        self.task: asyncio.Task[JSON | None] | None = None

    def start(self) -> None:
        """Begin making the content if the game has a hook and nothing is being made yet."""
        if self.make is not None and self.task is None:
            self.task = asyncio.create_task(self._run(), name=self.name)

    async def _run(self) -> JSON | None:
        assert self.make is not None
        try:
            return await self.make()
        except Exception:
            log.exception("%s: could not prepare the next match", self.name)
            return None

    async def take(self) -> JSON | None:
        """The content for the match about to start (waiting if it is still being made); None without a hook."""
        if self.make is None:
            return None
        self.start()
        task, self.task = self.task, None
        assert task is not None
        return await task
