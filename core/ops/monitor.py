"""The live room monitor's data: a summary of every live room of the site, for the staff's page in the admin.

Each process summarises its own rooms (``room_report``): players, sockets, a state line and tick health. With
Redis, each process writes its summaries to ``<prefix>:monitor:<process>`` every ``INTERVAL`` seconds, living
``TTL`` seconds, while a staff page has asked in the last ``WATCH_SECONDS`` (nobody watching costs nothing);
any process then lists the whole site. Without Redis, the one process lists its own rooms.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
from django.conf import settings
from redis.asyncio import Redis

from core import background
from core.rooms.live import LiveRoom
from core.rooms.runtime import runtime
from core.transport import redis_clients

JSON = dict[str, Any]
INTERVAL = 2.0
TTL = 3 * INTERVAL
WATCH_SECONDS = 10.0
FORGET_SECONDS = 600.0  # a process silent this long leaves the index (its entry expired long before)
MAX_PLAYERS_LISTED = 50


def process_name() -> str:
    """This process in the monitor: ``PARLOR_PROCESS``, else this boot's random id."""
    return settings.PARLOR_PROCESS or background.SERVER_ID


def _names(room: LiveRoom) -> dict[int, str]:
    return {seat.user_id: seat.name for seat in room.seats}


def state_line(room: LiveRoom) -> str:
    """A short line on the room's state: seats while waiting; match, moves and turn while playing; the result."""
    game, match = room.game, room.match
    if room.status == "waiting" or match is None or room.state is None:
        return f"waiting: {len(room.seats)} of {game.max_players} seats taken (starts with {game.min_players})"
    names = _names(room)

    def who(seat: int) -> str:
        uid = match.players[seat] if seat < len(match.players) else None
        return f"{names.get(uid, '?') if uid is not None else '?'} ({game.seat_label(seat)})"

    parts = [f"match {match.number}"]
    if room.status == "finished":
        result = match.result or {}
        winners = ", ".join(who(seat) for seat in result.get("winners", []))
        parts.append(f"{'draw' if result.get('draw') else 'won by ' + winners}: {result.get('reason', '?')}")
    else:
        if game.log_actions:
            parts.append(f"{room.seq} moves")
        turn = sorted(game.current_seats(room.state))
        if turn:
            parts.append("to play: " + ", ".join(who(seat) for seat in turn))
        clock = room.clock()
        if clock is not None:
            parts.append(f"{clock['remaining']:.0f} s left")
    try:
        extra = game.status_line(room.state)
    except Exception as exc:  # a game's summary hook must not take the whole monitor down
        extra = f"(status_line failed: {exc!r})"
    return ", ".join(parts) + (f"; {extra}" if extra else "")


def room_report(room: LiveRoom) -> JSON:
    """One live room as the monitor lists it: who plays and who is connected, a state line, tick health."""
    sockets = room.sockets_of  # user id -> their sockets here
    playing = {uid: index for index, uid in enumerate(room.match.players)} if room.match else {}
    seats = sorted(room.seats, key=lambda seat: (playing.get(seat.user_id, len(playing)), seat.index))
    now = room.runtime.clock()
    players = []
    for position, seat in enumerate(seats[:MAX_PLAYERS_LISTED]):
        game_seat = playing.get(seat.user_id) if playing else position  # before a match: as the room page shows
        players.append({
            "id": seat.user_id, "name": seat.name, "seat": game_seat,
            "label": room.game.seat_label(game_seat) if game_seat is not None else f"seat {seat.index + 1}",
            "connected": seat.user_id in sockets, "sockets": len(sockets.get(seat.user_id, [])), "bot": bool(seat.bot),
            "away": round(now - room.away_since[seat.user_id], 1) if seat.user_id in room.away_since else None,
        })  # fmt: skip
    seated = {seat.user_id for seat in room.seats}
    hz = room.game.tick_hz
    return {
        "id": room.id,
        "game": room.game.slug,
        "game_name": room.game.name,
        "process": process_name(),
        "status": room.status,
        "public": room.public,
        "match": room.match.number if room.match else None,
        "players": players,
        "seated": len(room.seats),
        "spectators": len(set(sockets) - seated),
        "sockets": len(room.members),
        "summary": state_line(room),
        "tick": room.ticks.report(now, hz) if hz and room.status == "playing" else None,
        "watch_url": room.watch_url,
    }


def local_reports() -> list[JSON]:
    """Every live room of this process."""
    return [room_report(room) for room in list(runtime.rooms.values()) if not room.closed]


class Board:
    """The site's summaries in Redis: one key per process, ``<prefix>:monitor:<process>``, with a time to live."""

    def _redis(self) -> Redis:
        return redis_clients.for_loop(settings.REDIS_URL)

    def _key(self, process: str) -> str:
        return f"{settings.REDIS_PREFIX}:monitor:{process}"

    def _index(self) -> str:
        """A sorted set of the processes that wrote, by when (so reading never scans the keyspace)."""
        return f"{settings.REDIS_PREFIX}:monitor-processes"

    async def write(self, entry: JSON) -> None:
        """Replace this process's entry."""
        now = time.time()
        async with self._redis().pipeline(transaction=False) as pipe:
            pipe.set(self._key(entry["process"]), msgspec.json.encode(entry), px=int(TTL * 1000))
            pipe.zadd(self._index(), {entry["process"]: now})
            pipe.zremrangebyscore(self._index(), "-inf", now - FORGET_SECONDS)
            await pipe.execute()

    async def read(self) -> list[JSON]:
        """Every process's entry that has not expired."""
        redis = self._redis()
        names = await redis.zrangebyscore(self._index(), time.time() - FORGET_SECONDS, "+inf")
        keys = [self._key(name.decode() if isinstance(name, bytes) else str(name)) for name in names]
        values = await redis.mget(keys) if keys else []
        return [msgspec.json.decode(value) for value in values if value is not None]

    async def watch(self) -> None:
        """A staff page is looking: every process writes its entry for the next ``WATCH_SECONDS``."""
        await self._redis().set(f"{settings.REDIS_PREFIX}:monitor-watched", b"1", px=int(WATCH_SECONDS * 1000))

    async def watched(self) -> bool:
        """Whether a staff page looked recently."""
        return bool(await self._redis().exists(f"{settings.REDIS_PREFIX}:monitor-watched"))


board = Board()


def local_entry() -> JSON:
    """This process's entry: its name, when, and its rooms."""
    return {"process": process_name(), "at": time.time(), "rooms": local_reports()}


async def site() -> JSON:
    """Every live room of the site, for the monitor page: this process's now, then (with Redis) the others' as
    they last wrote them; asking makes every process write for the next ``WATCH_SECONDS``."""
    found = [local_entry()]
    if settings.REDIS_URL:
        await board.watch()
        found += [entry for entry in await board.read() if entry["process"] != found[0]["process"]]
    now = time.time()
    rooms: dict[str, JSON] = {}
    for entry in found:
        for room in entry["rooms"]:
            rooms.setdefault(room["id"], room)  # a room that just moved: this process's view, else the first
    processes = [
        {"name": entry["process"], "rooms": len(entry["rooms"]), "age": round(max(now - entry["at"], 0.0), 1)}
        for entry in found
    ]
    listed = sorted(rooms.values(), key=lambda room: (room["game_name"], room["id"]))
    return {"process": found[0]["process"], "processes": processes, "rooms": listed}


async def publish() -> None:
    """Write this process's entry now (with Redis)."""
    if settings.REDIS_URL:
        await board.write(local_entry())


@background.every("room-monitor", lambda: INTERVAL)
async def _publish() -> None:
    if settings.REDIS_URL and await board.watched():
        await publish()
