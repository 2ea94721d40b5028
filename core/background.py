"""Per-process background work: periodic jobs registered by the apps, started once per event loop.

Jobs (presence heartbeat, notification outbox, idle-room unloading) register at import time with
``every``; the first socket, or the ASGI lifespan startup, starts them; lifespan shutdown stops them.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

SERVER_ID = secrets.token_hex(8)
Job = Callable[[], Awaitable[object]]
_jobs: list[tuple[str, Callable[[], float], Job]] = []
_tasks: dict[str, asyncio.Task[None]] = {}
_loop: asyncio.AbstractEventLoop | None = None


def every(name: str, interval: Callable[[], float]) -> Callable[[Job], Job]:
    """Decorator: run the coroutine function every ``interval()`` seconds in each server process."""

    def decorate(job: Job) -> Job:
        _jobs.append((name, interval, job))
        return job

    return decorate


async def _run(name: str, interval: Callable[[], float], job: Job) -> None:
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job %s failed", name)
        await asyncio.sleep(interval())


def ensure_started() -> None:
    """Start every registered job in the running loop, once."""
    global _loop
    loop = asyncio.get_running_loop()
    if _loop is loop and _tasks:
        return
    _loop = loop
    _tasks.clear()
    for name, interval, job in _jobs:
        _tasks[name] = loop.create_task(_run(name, interval, job), name=f"parlor:{name}")


STOP_SECONDS = 5.0


async def stop() -> None:
    """Cancel the jobs and wait for them, at most ``STOP_SECONDS`` (lifespan shutdown, test teardown).

    A job that does not end by then (a library that swallowed its cancellation) is logged with its stack
    and left behind, so that a shutdown stays bounded."""
    global _loop
    tasks = list(_tasks.values())
    _tasks.clear()
    _loop = None
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_SECONDS)
    for task in pending:
        stack = "".join(f"  {where}\n" for where in awaiting(task))
        name = task.get_name()
        log.error("background job %s did not stop within %.0f s; left behind at:\n%s", name, STOP_SECONDS, stack)


def awaiting(task: asyncio.Task[Any]) -> list[str]:
    """Where a task waits: each coroutine it is inside, outermost first, then what the innermost awaits.

    ``Task.get_stack`` shows only the outermost frame of a suspended task, which does not say what holds it."""
    where: list[str] = []
    step: Any = task.get_coro()
    while step is not None:
        frame = getattr(step, "cr_frame", None) or getattr(step, "gi_frame", None)
        if frame is None:
            where.append(repr(step)[:200])  # a future, or a coroutine that finished
            break
        where.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        step = getattr(step, "cr_await", None) or getattr(step, "gi_yieldfrom", None)
    return where
