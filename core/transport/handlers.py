"""Message types every Parlor socket understands, registered by the apps that own them.

An app registers ``handler(consumer, message)`` for a type with the Struct that validates it;
the base consumer looks here after its own class-level handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from .consumers import ParlorConsumer

Handler = Callable[["ParlorConsumer", Any], Awaitable[None]]
_handlers: dict[str, tuple[type[msgspec.Struct], Handler]] = {}


def register(message_type: str, schema: type[msgspec.Struct]) -> Callable[[Handler], Handler]:
    """Decorator: handle ``message_type`` on every socket, validated by ``schema``."""

    def decorate(handler: Handler) -> Handler:
        _handlers[message_type] = (schema, handler)
        return handler

    return decorate


def lookup(message_type: str) -> tuple[type[msgspec.Struct], Handler] | None:
    """The schema and handler registered for ``message_type``."""
    return _handlers.get(message_type)


SocketHook = Callable[["ParlorConsumer"], Awaitable[None]]
_on_open: list[SocketHook] = []
_on_close: list[SocketHook] = []


def on_open(hook: SocketHook) -> SocketHook:
    """Decorator: run ``hook(consumer)`` when any socket has been accepted and subscribed."""
    _on_open.append(hook)
    return hook


def on_close(hook: SocketHook) -> SocketHook:
    """Decorator: run ``hook(consumer)`` when any socket closes."""
    _on_close.append(hook)
    return hook


def open_hooks() -> list[SocketHook]:
    """The registered open hooks, in registration order."""
    return list(_on_open)


def close_hooks() -> list[SocketHook]:
    """The registered close hooks, in reverse registration order."""
    return list(reversed(_on_close))
