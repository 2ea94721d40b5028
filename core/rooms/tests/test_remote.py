"""A room stand-in whose owner never answers an attach closes its sockets for reconnection."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from core.rooms import remote
from core.rooms.remote import RemoteRoom
from core.rooms.runtime import runtime
from core.transport import closecodes


class FakeSocket:
    """What RemoteRoom needs of a room socket: its channel, its user, and ``shut``."""

    def __init__(self, name: str) -> None:
        self.channel_name = f"specific.test!{name}"
        self.user = SimpleNamespace(pk=1)
        self.codec_name = ""
        self.codes: list[int] = []

    def shut(self, code: int) -> None:
        self.codes.append(code)


@pytest.fixture(autouse=True)
def quick_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "ANSWER_SECONDS", 0.05)


async def test_an_unanswered_attach_sends_the_sockets_to_reconnect() -> None:
    room = runtime.remote["r1"] = RemoteRoom("r1", "p9@specific.gone!x", runtime)
    waiting, earlier = FakeSocket("a"), FakeSocket("b")
    room.sockets.add(earlier)
    await room.attach(waiting)
    await asyncio.sleep(0.15)
    assert waiting.codes == [closecodes.RESTARTING] and earlier.codes == [closecodes.RESTARTING]
    assert room.closed and "r1" not in runtime.remote  # the next socket looks for the owner again


async def test_a_confirmed_attach_keeps_the_socket() -> None:
    room = runtime.remote["r1"] = RemoteRoom("r1", "p9@specific.owner!x", runtime)
    socket = FakeSocket("a")
    await room.attach(socket)
    room.confirm(socket)
    await asyncio.sleep(0.15)
    assert socket.codes == [] and not room.closed and runtime.remote["r1"] is room
