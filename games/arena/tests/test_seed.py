"""The seed's protocol on /ws/arena/: playerId first, a stateUpdate every tick, and no impersonation."""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from core.tests.helpers import Sockets, receive_until, send

pytestmark = pytest.mark.django_db(transaction=True)
PATH = "/ws/arena/"


async def _join(ws: Sockets) -> tuple[WebsocketCommunicator, str]:
    """A seed client: its socket and the playerId it was given (which must be its first message)."""
    comm = await ws.connect(PATH)
    first = await comm.receive_json_from(timeout=5)
    assert first["type"] == "playerId" and set(first) == {"type", "playerId"}
    return comm, first["playerId"]


async def _ship(comm: WebsocketCommunicator, player_id: str, where: Any = None) -> dict[str, Any]:
    """The next stateUpdate's object for ``player_id`` (matching ``where``)."""

    def has(message: dict[str, Any]) -> bool:
        ship = next((o for o in message["objects"] if o["id"] == player_id), None)
        return ship is not None and (where is None or where(ship))

    update = await receive_until(comm, "stateUpdate", timeout=5, where=has)
    return next(o for o in update["objects"] if o["id"] == player_id)


async def test_updates_carry_the_seed_fields_every_tick(ws: Sockets) -> None:
    """Each object has exactly the seed's fields; updates keep coming at the tick rate."""
    comm, me = await _join(ws)
    ship = await _ship(comm, me)
    assert set(ship) == {"id", "x", "y", "facing", "dx", "dy", "thrusting"}
    for _ in range(5):
        await receive_until(comm, "stateUpdate", timeout=1)


async def test_thrust_and_facing_move_only_your_own_ship(ws: Sockets) -> None:
    """B sends inputs carrying A's playerId: B's ship turns and moves, A's doesn't."""
    a, id_a = await _join(ws)
    b, id_b = await _join(ws)
    await send(b, {"type": "facing", "playerId": id_a, "facing": 1.0})
    await send(b, {"type": "mouseDown", "playerId": id_a})
    moving = await _ship(b, id_b, where=lambda s: s["thrusting"] and s["dx"] ** 2 + s["dy"] ** 2 > 0)
    assert math.isclose(moving["facing"], 1.0, abs_tol=1e-3)
    still = await _ship(b, id_a)
    assert still["thrusting"] is False and still["dx"] == still["dy"] == 0 and still["facing"] == 0
    await send(b, {"type": "mouseUp", "playerId": id_b})
    await _ship(b, id_b, where=lambda s: not s["thrusting"])


async def test_bad_inputs_get_errors(ws: Sockets) -> None:
    """A non-number facing, an unknown type and bad JSON are refused with a message."""
    comm, _ = await _join(ws)
    await send(comm, {"type": "facing", "facing": "north"})
    assert "facing" in (await receive_until(comm, "error"))["message"]
    await send(comm, {"type": "teleport", "x": 0})
    assert "Unknown message type" in (await receive_until(comm, "error"))["message"]
    await comm.send_to(text_data="{")
    assert "Malformed JSON" in (await receive_until(comm, "error"))["message"]


async def test_leaving_removes_the_ship(ws: Sockets) -> None:
    """When a client disconnects, its ship is gone from everyone's updates."""
    a, id_a = await _join(ws)
    b, id_b = await _join(ws)
    await _ship(a, id_b)
    await ws.disconnect(b)
    update = await receive_until(
        a, "stateUpdate", timeout=5, where=lambda m: all(o["id"] != id_b for o in m["objects"])
    )
    assert any(o["id"] == id_a for o in update["objects"])


async def test_everyone_shares_one_world(ws: Sockets, users: Any) -> None:
    """Seed clients and Parlor's page are in the same room; the page's socket says where the lane is, not every tick."""
    a, id_a = await _join(ws)
    await _ship(a, id_a)
    from core.rooms.models import Room

    room = await Room.objects.aget(game="arena")
    page = await ws.connect(f"/ws/room/{room.pk}/", users[0])
    state = await receive_until(page, "room.state")
    assert state["room"]["drop_in"] is True and state["you"] == {"seat": None, "seated": False}
    lane = await receive_until(page, "arena.lane")
    assert lane == {"type": "arena.lane", "url": None, "port": 8001, "path": f"/arena/{room.pk}/"}
    await send(page, {"type": "room.sit"})
    await receive_until(page, "room.state", where=lambda m: m["you"]["seated"])
    seed = await receive_until(a, "stateUpdate", where=lambda m: len(m["objects"]) == 2)
    assert int(id_a) in {int(o["id"]) for o in seed["objects"]}
    assert await page.receive_nothing(timeout=0.3), "no per-tick frames on the room socket"


async def test_a_player_leaving_never_holds_up_the_world(
    ws: Sockets, users: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seat is given up in storage after the room's lock is released: the world ticks on while it is being
    written (a burst of drops once froze it), and a player who comes back meanwhile waits for it and sits again."""
    from core.rooms import store
    from core.rooms.models import Seat
    from core.rooms.runtime import runtime

    a, id_a = await _join(ws)
    b = await ws.connect(PATH, users[0])
    id_b = (await b.receive_json_from(timeout=5))["playerId"]
    await _ship(a, id_b)
    seated = sorted([(seat.room_id, seat.user_id) async for seat in Seat.objects.all()])
    room_id = seated[0][0]
    written, original = threading.Event(), store.seats_remove

    def slow_remove(**where: Any) -> None:  # the database thread waits here: no test query may run meanwhile
        written.wait(5)
        original(**where)

    monkeypatch.setattr(store, "seats_remove", slow_remove)
    leaving = asyncio.create_task(ws.disconnect(b))
    try:
        await receive_until(a, "stateUpdate", timeout=2, where=lambda m: [o["id"] for o in m["objects"]] == [id_a])
        for _ in range(5):
            await receive_until(a, "stateUpdate", timeout=0.5)
        assert users[0].pk in runtime.rooms[room_id].leaving, "the seat is still being removed"
        back = asyncio.create_task(ws.connect(PATH, users[0]))
        await asyncio.sleep(0.2)
    finally:
        written.set()
        await leaving
    again = await back
    id_again = (await again.receive_json_from(timeout=5))["playerId"]
    await _ship(a, id_again)
    assert not runtime.rooms[room_id].leaving
    assert sorted([(seat.room_id, seat.user_id) async for seat in Seat.objects.all()]) == seated
