"""The room runtime: the only owner of every live room of this process, loaded on first use and unloaded when idle.

Each room's own invariants (one action at a time, stored before shown, rebuilt by replay) are in ``live.py``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import msgspec
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from core import background
from core.accounts.models import User
from core.ops import metrics
from core.transport import wire

from . import registry, remote, store
from .journal import Journal
from .live import LiveRoom
from .membership import Member, RoomNotFound, Viewer
from .placement import LocalPlacement, Placement, RedisPlacement, RoomElsewhere, channel_of
from .protocol import Game
from .remote import RemoteRoom

__all__ = ["LiveRoom", "Member", "RemoteRoom", "RoomElsewhere", "RoomNotFound", "RoomRuntime", "Viewer", "runtime"]
log = logging.getLogger(__name__)


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
        self.remote: dict[str, RemoteRoom] = {}
        self._placement: Placement | None = None
        self._placement_for: tuple[object, asyncio.AbstractEventLoop] | None = None
        self._load_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def placement(self) -> Placement:
        """Room leases: in Redis when the channel layer is (several processes), else this process owns all."""
        layer = get_channel_layer()
        # channels_redis binds a channel's receive buffer to the loop that first used it: a new layer (settings
        # changed) or a new loop (tests) needs a channel, hence a placement, of its own.
        key = (layer, asyncio.get_running_loop())
        if self._placement is None or self._placement_for != key:
            self._placement_for = key
            if settings.REDIS_URL and layer is not None:
                # The default prefix: channels_redis serves all of a process's "!" channels from one key and one
                # receive lock, so a channel with its own prefix would hold that lock and stall every consumer.
                me = await layer.new_channel()
                self._placement = RedisPlacement(settings.REDIS_URL, settings.REDIS_PREFIX, me, settings.PARLOR_PROCESS)
            else:
                self._placement = LocalPlacement()
        return self._placement

    async def open(self, room_id: str) -> LiveRoom | RemoteRoom:
        """The room for a socket of this process: live here, or a stand-in forwarding to the owning process."""
        room = self.rooms.get(room_id)
        if room is not None and not room.closed:
            return room
        try:
            return await self.get(room_id)
        except RoomElsewhere as elsewhere:
            owner = str(elsewhere.args[1])
        known = self.remote.get(room_id)
        if known is not None and known.owner == owner and not known.closed:
            return known
        if not await (await self.placement()).alive(owner):
            raise RoomElsewhere(room_id, owner)  # it died: its lease runs out within seconds
        known = self.remote[room_id] = RemoteRoom(room_id, owner, self)
        return known

    def claim_after(self) -> float:
        """Seconds every opponent must have been gone before a player may claim the win."""
        return float(settings.PARLOR["CLAIM_AFTER"])

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``work`` in the background, keeping a reference until it ends."""
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def get(self, room_id: str) -> LiveRoom:
        """The live room, rebuilt from storage if this process does not hold it yet (``RoomElsewhere`` if another
        process owns it)."""
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
            owner = await (await self.placement()).claim(room_id)
            if owner is not None:
                raise RoomElsewhere(room_id, owner)
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

    async def let_go(self, room: LiveRoom) -> None:
        """Unload a new room nobody has joined yet and free its lease, so that it loads where its sockets arrive.

        nginx hashes room sockets by room id, seldom to the process that created the room (its lobby socket's),
        which would otherwise forward every request of the room's game. One process alone keeps it, and so does
        a room making its next match's content (AI prompts: asked for once, kept in memory until the match)."""
        if not isinstance(await self.placement(), LocalPlacement) and room.content.task is None:
            await self._unload_if_empty(room)

    async def announce(self, summary: wire.JSON) -> None:
        """Tell listeners (the lobby) that a room changed."""
        for listener in self.listeners:
            await listener(summary)

    async def sweep(self) -> None:
        """Unload rooms nobody has watched for a while (an empty world stops ticking; it reloads on demand)."""
        idle_after = float(settings.PARLOR["ROOM_IDLE_UNLOAD"])
        for room in list(self.rooms.values()):
            if room.members or room.holds or room.bot_task is not None or self.clock() - room.empty_since < idle_after:
                continue
            await self._unload_if_empty(room)

    async def _unload_if_empty(self, room: LiveRoom) -> None:
        """Unload ``room`` and give up its lease, unless a socket came in meanwhile (checked under its lock)."""
        async with room.lock:
            if room.members or room.holds or room.closed:
                return
            room.unload()
            await (await self.placement()).release(room.id)

    async def keep_placement(self) -> None:
        """Every second: say this process lives, keep its leases (a lost one drops its room), follow the owners
        of forwarded rooms (a new owner: sockets reconnect), and forget the sockets of processes that died."""
        placement = await self.placement()
        if isinstance(placement, LocalPlacement):
            return
        await placement.beat()
        for room_id in await placement.renew(list(self.rooms)):
            log.warning("room %s: another process owns it now; dropping this copy", room_id)
            self.rooms[room_id]._abandon()
        for stand_in in list(self.remote.values()):
            if await placement.owner(stand_in.id) != stand_in.owner:
                stand_in.close()
        for process in {member.process for member in remote.served.values()}:
            if not await placement.alive(process):
                await remote.forget_process(process)

    async def serve_forwarded(self) -> None:
        """Receive the requests other processes forward to this one's rooms, until the layer fails."""
        placement = await self.placement()
        if isinstance(placement, LocalPlacement):
            return
        layer = get_channel_layer()
        assert layer is not None
        await placement.beat()
        while True:
            await remote.receive(self, await layer.receive(channel_of(placement.me)))

    async def reset(self) -> None:
        """Forget every room, stopping their loops (tests, shutdown)."""
        tasks: list[asyncio.Future[Any]] = [*self.tasks]
        placement = self._placement
        for room in list(self.rooms.values()):
            tasks.extend(room.unload())
            if placement is not None:
                await placement.release(room.id)
        for stand_in in list(self.remote.values()):
            stand_in.close()
        await remote.reset()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.rooms.clear()
        self._load_lock = None


runtime = RoomRuntime()
metrics.count_rooms(lambda: [room.game.slug for room in runtime.rooms.values()])


@background.every("room-sweep", lambda: 5.0)
async def _sweep() -> None:
    await runtime.sweep()


@background.every("room-placement", lambda: 1.0)
async def _keep_placement() -> None:
    await runtime.keep_placement()


@background.every("room-forwarding", lambda: 1.0)
async def _serve_forwarded() -> None:
    await runtime.serve_forwarded()
