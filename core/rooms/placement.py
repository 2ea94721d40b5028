"""Which process owns a room: a lease per loaded room in Redis, held by exactly one process at a time.

The owner renews its leases every second (``LEASE_SECONDS`` to live), so a process that dies loses its rooms
within that time and the next process to be asked for one loads it from storage. Each process also keeps a
heartbeat key, so owners can forget the sockets of a process that died. Without Redis (one process, the
in-memory layer) this process owns every room.
"""

from __future__ import annotations

import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.transport import redis_clients

log = logging.getLogger(__name__)

LEASE_SECONDS = 3.0  # renewed every second: two renewals may be missed

# KEYS[1] lease, ARGV[1] holder, ARGV[2] ms: take a free lease or keep our own; returns the holder.
# A holder with our process name (ARGV[3]) but another boot is our own dead predecessor: take over at once.
CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or (ARGV[3] ~= '' and string.sub(holder, 1, #ARGV[3]) == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1]
end
return holder
"""
# Renew our lease; after a Redis restart (the key is gone) take it again. Returns the holder.
RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1] end
return holder
"""
RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class RoomElsewhere(Exception):
    """The room is owned by another process (args: room id, owner); a socket of this one is forwarded there."""


class Placement(Protocol):
    """Room leases; ``me`` names this process (its channel for forwarded room operations)."""

    me: str

    async def claim(self, room_id: str) -> str | None:
        """Take or keep the lease: None if this process owns the room now, else the owner's name."""

    async def renew(self, room_ids: list[str]) -> list[str]:
        """Keep this process's leases; returns the rooms another process holds now."""

    async def release(self, room_id: str) -> None:
        """Give the lease up (the room unloaded)."""

    async def owner(self, room_id: str) -> str | None:
        """The room's owner now, if any."""

    async def beat(self) -> None:
        """Say this process is alive."""

    async def alive(self, process: str) -> bool:
        """Whether a process said it was alive within the lease time."""


def channel_of(holder: str) -> str:
    """The channel that takes forwarded requests for the process holding a lease."""
    return holder.rsplit("@", 1)[-1]


class LocalPlacement:
    """One process: it owns every room."""

    me = "local"

    async def claim(self, room_id: str) -> str | None:
        return None

    async def renew(self, room_ids: list[str]) -> list[str]:
        return []

    async def release(self, room_id: str) -> None:
        return None

    async def owner(self, room_id: str) -> str | None:
        return self.me

    async def beat(self) -> None:
        return None

    async def alive(self, process: str) -> bool:
        return True


class RedisPlacement:
    """Leases as Redis keys ``<prefix>:owner:<room>`` whose value is the owner's name, with a time to live."""

    def __init__(self, url: str, prefix: str, channel: str, name: str = "") -> None:
        """Leases hold ``name@channel``: the stable name (PARLOR_PROCESS) shared by this process's boots, if any,
        and this boot's channel for forwarded requests."""
        self.url, self.prefix, self.name = url, prefix, f"{name}@" if name else ""
        self.me = self.name + channel
        self.ms = str(int(LEASE_SECONDS * 1000))

    def _redis(self) -> Redis:
        return redis_clients.for_loop(self.url)

    def _key(self, room_id: str) -> str:
        return f"{self.prefix}:owner:{room_id}"

    async def claim(self, room_id: str) -> str | None:
        name = _text(await self._redis().eval(CLAIM, 1, self._key(room_id), self.me, self.ms, self.name))
        return None if name == self.me else name

    async def renew(self, room_ids: list[str]) -> list[str]:
        if not room_ids:
            return []
        async with self._redis().pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                pipe.eval(RENEW, 1, self._key(room_id), self.me, self.ms)
            holders = await pipe.execute()
        return [room_id for room_id, holder in zip(room_ids, holders, strict=True) if _text(holder) != self.me]

    async def release(self, room_id: str) -> None:
        try:
            await self._redis().eval(RELEASE, 1, self._key(room_id), self.me)
        except (RedisError, OSError):
            log.warning("placement: could not release room %s (its lease will expire)", room_id)

    async def owner(self, room_id: str) -> str | None:
        holder = await self._redis().get(self._key(room_id))
        return None if holder is None else _text(holder)

    async def beat(self) -> None:
        await self._redis().set(f"{self.prefix}:alive:{self.me}", b"1", px=int(self.ms))

    async def alive(self, process: str) -> bool:
        return bool(await self._redis().exists(f"{self.prefix}:alive:{process}"))


def _text(value: object) -> str:
    """A Redis reply as text (replies are bytes)."""
    return value.decode() if isinstance(value, bytes) else str(value)
