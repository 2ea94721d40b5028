"""Per-process background work: periodic jobs registered by the apps, started once per event loop.

Jobs (presence heartbeat, notification outbox, idle-room unloading) register at import time with
``every``; the first socket, or the ASGI lifespan startup, starts them; lifespan shutdown stops them.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable

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


async def stop() -> None:
    """Cancel the jobs and wait for them (lifespan shutdown, test teardown)."""
    global _loop
    tasks = list(_tasks.values())
    _tasks.clear()
    _loop = None
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
