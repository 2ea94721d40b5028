"""ASGI lifespan: start each process's background jobs at startup, stop them and the rooms at shutdown."""

from __future__ import annotations

from typing import Any

from core import background
from core.rooms.runtime import runtime


class Lifespan:
    """The ``lifespan`` protocol handler for ProtocolTypeRouter."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                background.ensure_started()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await background.stop()
                await runtime.reset()
                await send({"type": "lifespan.shutdown.complete"})
                return
