"""Staff actions from the room monitor: close a live room, kick a player from it, announce to its sockets.

Only a room's owner touches it. A room of this process is acted on here; another process's room gets a request
on the owner's process channel (named by the room's lease, ``placement.py``), which ``remote.receive`` hands to
``answer``; the answer comes back on a reply channel. A refusal (an unknown room or player, an empty text) is a
``Refused`` whose text says why; it changes nothing. Kicking is not a ban: the player may open the room again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from core.accounts.models import User
from core.notifications.api import Scope, anotify
from core.rooms import remote
from core.rooms.live import LiveRoom
from core.rooms.placement import RedisPlacement, channel_of
from core.rooms.protocol import IllegalAction
from core.rooms.runtime import runtime
from core.transport import closecodes, wire

from . import monitor

log = logging.getLogger(__name__)
ANSWER_SECONDS = 5.0
MAX_ANNOUNCEMENT = 500
CLOSED_TEXT = "A moderator closed this room."
KICKED_TEXT = "A moderator removed you from this room."


class Refused(Exception):
    """A staff request that cannot be done as asked; nothing changed, and the text says why."""


def _unknown(room_id: str) -> Refused:
    return Refused(f"No live room {room_id!r}: it may have been closed or unloaded meanwhile.")


async def close_room(room: LiveRoom) -> str:
    """Tell every socket, close them (4410, no reconnect) and drop the room from memory; its storage stays.

    The lease is left to run out (a few seconds), so other processes' sockets hear of the close from this owner
    before their stand-ins see the owner change; anyone opening the room again reloads it from storage.
    """
    async with room.lock:
        if room.closed:
            raise _unknown(room.id)
        members = list(room.members)
        room.unload()
    for member in members:
        member.push(wire.error(CLOSED_TEXT))
        member.shut(closecodes.ROOM_CLOSED)
    return f"Closed room {room.id}: {len(members)} socket(s) told and closed; its state stays stored."


@database_sync_to_async
def _user(user_id: int) -> User:
    return User.objects.get(pk=user_id)


async def kick(room: LiveRoom, user_id: int) -> str:
    """Close the user's sockets in the room (4403, no reconnect); their seat goes as ``room.leave`` allows.

    Before the game starts the seat is freed, as when the player leaves it; during a match it stays and the
    player counts as away (opponents may claim the win); a drop-in world's player leaves it at once.
    """
    sockets = list(room.sockets_of.get(user_id, []))  # a copy: each socket leaves the list as it closes
    seat = next((seat for seat in room.seats if seat.user_id == user_id), None)
    if seat is None and not sockets:
        raise Refused(f"User {user_id} is neither seated nor connected in room {room.id}.")
    if seat is not None and seat.bot:
        raise Refused(f"{seat.name} is a computer player: it has no socket to close.")
    name = seat.name if seat is not None else str(sockets[0].user)
    for member in sockets:
        member.push(wire.error(KICKED_TEXT))
        member.shut(closecodes.KICKED)
    if seat is None:
        fate = "they were watching"
    elif room.status == "waiting" or (room.game.drop_in and room.status == "playing"):
        try:
            await room.leave(sockets[0].user if sockets else await _user(user_id))
            fate = "their seat is free again" if room.status == "waiting" else "their ship has left the world"
        except IllegalAction:
            fate = "the game started meanwhile, so their seat stays"
    elif room.status == "playing":
        fate = f"their seat stays for this match; opponents may claim the win after {runtime.claim_after():.0f} s"
    else:
        fate = "their seat stays (the match is over)"
    return f"Removed {name} from room {room.id}: {len(sockets)} socket(s) closed; {fate}."


async def _here(op: str, room_id: str, data: dict[str, Any]) -> str:
    """Apply ``op`` to a room this process holds."""
    room = runtime.rooms.get(room_id)
    if room is None or room.closed:
        raise _unknown(room_id)
    if op == "close":
        return await close_room(room)
    if op == "kick":
        return await kick(room, int(data["user"]))
    raise Refused(f"Unknown staff request {op!r}.")


async def _owner(room_id: str) -> str | None:
    """The lease holder of a live room of another process (None if no process holds it live)."""
    placement = await runtime.placement()
    owner = await placement.owner(room_id) if isinstance(placement, RedisPlacement) else None
    return None if owner == placement.me else owner  # ours but not loaded: just closed or unloading


async def act(op: str, room_id: str, data: dict[str, Any] | None = None) -> str:
    """Apply a staff request (``close``, ``kick`` with ``user``) on the room's owner; returns what was done."""
    room = runtime.rooms.get(room_id)
    if room is not None and not room.closed:
        return await _here(op, room_id, data or {})
    owner = await _owner(room_id)
    if owner is None:
        raise _unknown(room_id)
    return await ask(owner, op, room_id, data or {})


async def ask(owner: str, op: str, room_id: str, data: dict[str, Any]) -> str:
    """Send a staff request to the process holding lease ``owner`` and wait for its answer."""
    layer = get_channel_layer()
    assert layer is not None
    reply = await layer.new_channel()
    request = {"type": "monitor.request", "op": op, "room": room_id, "data": data, "reply": reply}
    await layer.send(channel_of(owner), request)
    try:
        answer = await asyncio.wait_for(layer.receive(reply), ANSWER_SECONDS)
    except TimeoutError:
        name = owner.rsplit("@", 1)[0]
        raise Refused(f"Process {name} did not answer within {ANSWER_SECONDS:.0f} s; refresh to see.") from None
    if not answer["ok"]:
        raise Refused(answer["message"])
    return str(answer["message"])


async def answer(message: dict[str, Any]) -> None:
    """A request from another process's monitor about a room of this one: apply it and reply."""
    try:
        reply = {"ok": True, "message": await _here(message["op"], message["room"], message["data"])}
    except Refused as exc:
        reply = {"ok": False, "message": str(exc)}
    except Exception:
        log.exception("monitor: request %s on room %s failed", message.get("op"), message.get("room"))
        reply = {"ok": False, "message": f"The request failed on process {monitor.process_name()}; see its log."}
    layer = get_channel_layer()
    assert layer is not None
    await layer.send(message["reply"], {"type": "monitor.answer", **reply})
    if reply["ok"]:
        await monitor.publish()


remote.handlers["monitor.request"] = answer


async def announce(room_id: str, text: str) -> str:
    """Store, then deliver, an announcement to every socket of a live room (the notification group ``room.<id>``)."""
    text = text.strip()
    if not text:
        raise Refused("The announcement is empty: write its text first.")
    if len(text) > MAX_ANNOUNCEMENT:
        raise Refused(f"The announcement is too long: {len(text)} characters (at most {MAX_ANNOUNCEMENT}).")
    room = runtime.rooms.get(room_id)
    if (room is None or room.closed) and await _owner(room_id) is None:
        raise _unknown(room_id)
    await anotify(scope=Scope.GROUP, group=f"room.{room_id}", kind="announcement", text=text, data={"room": room_id})
    return f"Announced to room {room_id}."
