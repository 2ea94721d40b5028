"""Structured logs: JSON lines carrying the room and user ids bound in the task that logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from core.ops import logs
from core.tests.helpers import Sockets, make_user, roundtrip
from core.transport import lane
from core.transport.consumers import ParlorConsumer

NAME = "parlor.test.logs"


class Captured:
    """What the test logger wrote, one parsed JSON object per line."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """The production handler (JSON formatter, context filter) on a logger of its own."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger(NAME)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield Captured(stream)
    logger.removeHandler(handler)
    logger.propagate = True


async def test_a_bound_task_logs_its_ids_and_the_rest_does_not(captured: Captured) -> None:
    """Ids bound in a task reach its records and its child tasks' records, never the code outside it."""
    log = logging.getLogger(NAME)

    async def child() -> None:
        log.info("child")

    async def socket() -> None:
        logs.bind(room="r1", user=7)
        log.warning("inside %s", "bound")
        await asyncio.create_task(child())

    await asyncio.create_task(socket())
    log.info("outside")
    inside, child_line, outside = captured.lines()
    assert inside["message"] == "inside bound" and inside["level"] == "WARNING" and inside["logger"] == NAME
    assert (inside["room"], inside["user"]) == ("r1", 7)
    assert inside["time"].endswith("Z") and "T" in inside["time"]
    assert (child_line["room"], child_line["user"]) == ("r1", 7)
    assert "room" not in outside and "user" not in outside


async def test_task_context_keeps_the_room_and_drops_the_user(captured: Captured) -> None:
    """A long-lived task started by a socket logs its own room, not the user who happened to start it."""
    log = logging.getLogger(NAME)

    async def tick() -> None:
        log.info("tick")

    async def socket() -> None:
        logs.bind(room="r1", user=7)
        await asyncio.create_task(tick(), context=logs.task_context(room="r2"))
        await asyncio.create_task(tick(), context=logs.task_context())

    await asyncio.create_task(socket())
    room_task, shared_task = captured.lines()
    assert room_task["room"] == "r2" and "user" not in room_task
    assert "room" not in shared_task and "user" not in shared_task


def test_exceptions_and_extra_ids(captured: Captured) -> None:
    """A traceback goes in ``exc``; ids given with ``extra=`` win over bound ones."""
    log = logging.getLogger(NAME)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed", extra={"room": "given"})
    (line,) = captured.lines()
    assert line["room"] == "given" and "ValueError: boom" in line["exc"]


@pytest.mark.django_db(transaction=True)
async def test_a_parlor_socket_binds_its_user(captured: Captured, ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a consumer logs while handling a message carries the socket's user id."""
    original = ParlorConsumer.on_ping

    async def on_ping(self: ParlorConsumer, message: Any) -> None:
        logging.getLogger(NAME).info("ping")
        await original(self, message)

    monkeypatch.setattr(ParlorConsumer, "on_ping", on_ping)
    alice = await make_user("Alice")
    await roundtrip(await ws.connect("/ws/lobby/", alice))
    (line,) = captured.lines()
    assert line["user"] == alice.pk


@pytest.mark.django_db(transaction=True)
async def test_a_lane_socket_binds_its_user_once_authenticated(captured: Captured) -> None:
    """The game's ``open`` (and what it starts) logs the lane socket's user."""

    async def open_room(socket: lane.LaneSocket, room_id: str, query: dict[str, str]) -> None:
        logging.getLogger(NAME).info("opening %s", room_id)

    socket = lane.LaneSocket(lane.Route(open=open_room, decode=lambda data: ("", None)), "r9", {}, None)  # type: ignore[arg-type,return-value]
    await socket._open()
    (line,) = captured.lines()
    assert line["message"] == "opening r9" and line["user"] == socket.user.pk
