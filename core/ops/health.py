"""Health probes: ``/healthz`` (the process answers) and ``/readyz`` (it can serve players right now).

Readiness runs its checks concurrently, each within ``TIMEOUT`` seconds, on the event loop; only the
database's ``SELECT 1`` takes a hop to the database thread. In production ``ProbeMiddleware`` answers
both before host validation and the HTTPS redirect, so a container can probe ``http://127.0.0.1:8000``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

from asgiref.sync import markcoroutinefunction
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

TIMEOUT = 2.0
Check = Callable[[], Awaitable[None]]
View = Callable[[HttpRequest], Awaitable[HttpResponse]]
_stopping = False
_chained: set[Any] = set()


async def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers HTTP. No I/O, so a slow database never gets a live process restarted."""
    return HttpResponse("OK\n", content_type="text/plain")


@database_sync_to_async
def _select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def database() -> None:
    """The database answers a query, on the connection the app's own queries use."""
    await _select_one()


async def channel_layer() -> None:
    """A message sent to a fresh channel comes back: with Redis, Redis is up and this process reads from it."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    channel = await layer.new_channel()
    nonce = secrets.token_hex(8)
    await layer.send(channel, {"type": "parlor.ready", "nonce": nonce})
    message = await layer.receive(channel)
    if message.get("nonce") != nonce:
        raise RuntimeError("the channel layer returned another message")


async def process() -> None:
    """The server has not been told to stop (see ``watch_signals``)."""
    if _stopping:
        raise RuntimeError("shutting down")


CHECKS: dict[str, Check] = {"database": database, "channel_layer": channel_layer, "process": process}


async def _outcome(check: Check) -> str | None:
    """None if the check passed in time, else what went wrong."""
    try:
        async with asyncio.timeout(TIMEOUT):
            await check()
    except TimeoutError:
        return f"no answer within {TIMEOUT:g} s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


async def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when every check passes, else 503 naming the failing checks and their errors."""
    outcomes = await asyncio.gather(*(_outcome(check) for check in CHECKS.values()))
    checks = {name: error or "ok" for name, error in zip(CHECKS, outcomes, strict=True)}
    failing = {name: error for name, error in zip(CHECKS, outcomes, strict=True) if error is not None}
    if failing:
        log.warning("not ready: %s", failing)
        response = JsonResponse({"status": "unavailable", "checks": checks, "failing": failing}, status=503)
    else:
        response = JsonResponse({"status": "ready", "checks": checks})
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, View] = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers the probes first: no host check, HTTPS redirect, session or database middleware on the way."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return await probe(request)
        return await self.get_response(request)


def watch_signals() -> None:
    """Fail ``/readyz`` from the moment SIGTERM or SIGINT arrives, then run the handler the server installed.

    Call it at lifespan startup, after uvicorn has installed its handlers (it restores its own at exit).
    """
    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)
        if callable(previous) and previous not in _chained:
            handler = _chain(previous)
            _chained.add(handler)
            signal.signal(number, handler)


def _chain(previous: Callable[[int, FrameType | None], Any]) -> Callable[[int, FrameType | None], None]:
    def handler(number: int, frame: FrameType | None) -> None:
        global _stopping
        _stopping = True
        previous(number, frame)

    return handler
