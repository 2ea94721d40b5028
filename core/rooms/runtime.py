"""The room runtime: the only owner of every live room of this process, loaded on first use and unloaded when idle.

Each room's own invariants (one action at a time, stored before shown, rebuilt by replay) are in ``live.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import msgspec
from channels.db import database_sync_to_async
from django.conf import settings

from core import background
from core.accounts.models import User
from core.transport import wire

from . import registry, store
from .journal import Journal
from .live import LiveRoom, Member, RoomNotFound, Viewer
from .protocol import Game

__all__ = ["LiveRoom", "Member", "RoomNotFound", "RoomRuntime", "Viewer", "runtime"]
db = database_sync_to_async


Listener = Callable[[wire.JSON], Awaitable[None]]


class RoomRuntime:
    """Every live room of this process, loaded on first use and unloaded when idle."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.rooms: dict[str, LiveRoom] = {}
        self.listeners: list[Listener] = []
        self.journal = Journal()
        self.bot_pause = 0.3
        self.tasks: set[asyncio.Task[None]] = set()
        self._load_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def claim_after(self) -> float:
        """Seconds every opponent must have been gone before a player may claim the win."""
        return float(settings.PARLOR["CLAIM_AFTER"])

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` in the background, keeping a reference until it ends."""
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def get(self, room_id: str) -> LiveRoom:
        """The live room, rebuilt from storage if this process does not hold it yet."""
        room = self.rooms.get(room_id)
        if room is not None and not room.closed:
            return room
        loop = asyncio.get_running_loop()
        if self._load_lock is None or self._loop is not loop:
            self._load_lock, self._loop = asyncio.Lock(), loop
        async with self._load_lock:
            room = self.rooms.get(room_id)
            if room is not None and not room.closed:
                return room
            record = await db(store.room_load)(room_id)
            game = registry.get(record.game) if record else None
            if record is None or game is None:
                raise RoomNotFound(room_id)
            room = LiveRoom(record, game, self)
            self.rooms[room_id] = room
            room.resume()
            return room

    async def attach(self, room_id: str, member: Member) -> LiveRoom:
        """Attach a socket to a room, retrying if the room was unloaded meanwhile."""
        for _ in range(3):
            room = await self.get(room_id)
            try:
                await room.attach(member)
                return room
            except RoomNotFound:
                continue
        raise RoomNotFound(room_id)

    async def create(
        self, *, game: Game[Any], options: msgspec.Struct, public: bool, creator: User, seated: list[User]
    ) -> LiveRoom:
        """Create a room with ``seated`` users; it starts at once if they fill it."""
        raw = msgspec.to_builtins(options)
        created = await db(store.room_create)(
            game=game.slug, options=raw, public=public, creator=creator, seated=seated
        )
        room = await self.get(created.pk)
        async with room.lock:
            full = len(room.seats) == game.max_players
            if room.status == "waiting" and (full or game.drop_in):
                await room._start_match([seat.user_id for seat in room.seats])
            await room._changed([])
        return room

    async def announce(self, summary: wire.JSON) -> None:
        """Tell listeners (the lobby) that a room changed."""
        for listener in self.listeners:
            await listener(summary)

    async def sweep(self) -> None:
        """Unload rooms nobody has watched for a while (an empty world stops ticking; it reloads on demand)."""
        idle_after = float(settings.PARLOR["ROOM_IDLE_UNLOAD"])
        for room in list(self.rooms.values()):
            if room.members or room.bot_task is not None or self.clock() - room.empty_since < idle_after:
                continue
            async with room.lock:
                if not room.members:
                    room.unload()

    async def reset(self) -> None:
        """Forget every room, stopping their loops (tests, shutdown)."""
        tasks: list[asyncio.Future[Any]] = [*self.tasks]
        for room in list(self.rooms.values()):
            tasks.extend(room.unload())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.rooms.clear()
        self._load_lock = None


runtime = RoomRuntime()


@background.every("room-sweep", lambda: 5.0)
async def _sweep() -> None:
    await runtime.sweep()
