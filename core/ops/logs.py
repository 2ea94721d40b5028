"""Structured logs: one JSON object per line (``LOG_FORMAT=json``), carrying the room and user ids when known.

``bind`` puts the ids in context variables for the current task; tasks created afterwards copy them
(asyncio copies the context at creation, asgiref's thread hops too). ``ContextFilter``, attached to
the handler, adds them to every record, so log calls never pass them by hand.
"""

from __future__ import annotations

import logging
import os
from contextvars import Context, ContextVar, copy_context
from datetime import UTC, datetime

import msgspec

Id = str | int

_room: ContextVar[Id | None] = ContextVar("parlor_log_room", default=None)
_user: ContextVar[Id | None] = ContextVar("parlor_log_user", default=None)


class _Unset:
    """The default of ``bind``'s arguments: leave that id as it is (None clears it)."""


_UNSET = _Unset()


def bind(*, room: Id | None | _Unset = _UNSET, user: Id | None | _Unset = _UNSET) -> None:
    """Set the room and/or user id for the current task and the tasks it creates from now on."""
    if not isinstance(room, _Unset):
        _room.set(room)
    if not isinstance(user, _Unset):
        _user.set(user)


def task_context(*, room: Id | None = None) -> Context:
    """A context for a task that outlives the socket starting it (a room's tick loop, a shared job).

    Pass it as ``asyncio.create_task(..., context=task_context(room=...))``: the task logs that room
    (or none) and no user, instead of the ids of whichever socket happened to start it.
    """
    context = copy_context()
    context.run(bind, room=room, user=None)
    return context


class ContextFilter(logging.Filter):
    """Adds the bound ``room`` and ``user`` (None when unknown) to every record; ``extra=`` ones take precedence."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "room"):
            record.room = _room.get()
        if not hasattr(record, "user"):
            record.user = _user.get()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC), level, logger, message, then room, user, process and exc if any."""

    def __init__(self) -> None:
        super().__init__()
        self.process = os.environ.get("PARLOR_PROCESS") or None
        self.encoder = msgspec.json.Encoder(enc_hook=repr)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("room", "user"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if self.process is not None:
            line["process"] = self.process
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return self.encoder.encode(line).decode()
