"""When an action can't be stored, nobody is told of it: the room reloads from what was stored."""

from __future__ import annotations

import pytest

from core.rooms import store
from core.rooms.runtime import runtime
from core.tests.helpers import Sockets, make_user, open_room, receive_close, receive_until, send
from core.transport import closecodes

pytestmark = pytest.mark.django_db(transaction=True)


async def test_unsaved_move_is_reported_and_the_room_reloads(ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mover is told why, every socket closes with 4503, and a reconnect shows only stored moves."""
    alice, bob = await make_user("Alice"), await make_user("Bob")
    room = await open_room(alice, bob, public=True)
    a = await ws.connect(f"/ws/room/{room.id}/", alice)
    b = await ws.connect(f"/ws/room/{room.id}/", bob)
    await send(a, {"type": "mark", "cell": 4})
    await receive_until(b, "room.state", where=lambda m: m["seq"] == 1)

    def broken(rows: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "actions_append", broken)
    await send(b, {"type": "mark", "cell": 0})
    code_b, seen_b = await receive_close(b)
    code_a, seen_a = await receive_close(a)
    assert code_a == code_b == closecodes.RESTARTING
    assert not [m for m in seen_a + seen_b if m["type"] == "room.state" and m["seq"] == 2], "nobody sees it"
    monkeypatch.undo()

    assert room.id not in runtime.rooms or runtime.rooms[room.id] is not room
    b = await ws.connect(f"/ws/room/{room.id}/", bob)
    state = await receive_until(b, "room.state")
    assert state["seq"] == 1 and state["view"]["board"] == [None] * 4 + [0] + [None] * 4
    await send(b, {"type": "mark", "cell": 0})
    assert (await receive_until(b, "room.state", where=lambda m: m["seq"] == 2))["view"]["board"][0] == 1
    # Checked last so the reload above is verified either way: the mover must learn why the socket closed.
    assert {"type": "error", "message": "Your move could not be saved; the room is reloading."} in seen_b
