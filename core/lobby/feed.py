"""The lobby feed: each process has one channel in the ``lobby`` group and pushes its frames to its own lobby sockets.

A group of sockets costs one channel-layer message per socket per frame, and the in-memory layer scans every
group membership on each message, so a frame to N lobby pages was O(N²). Here a process receives a frame once
and queues the same text on each local lobby socket (as room fan-out does); other processes do the same.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from channels.layers import BaseChannelLayer, get_channel_layer

from core import background
from core.transport import groups, memberships

Push = Callable[[str], None]
_subscribers: set[Push] = set()
_channel: str | None = None
_channel_layer: object = None  # the layer _channel belongs to
generation = 0  # bumped by every frame delivered and every start and stop: a lobby snapshot's version


def subscribe(push: Push) -> None:
    """Have ``push(frame)`` called with every lobby frame from now on."""
    _subscribers.add(push)


def unsubscribe(push: Push) -> None:
    """Stop calling ``push``."""
    _subscribers.discard(push)


def deliver(frame: str) -> None:
    """Queue one lobby frame on every lobby socket of this process."""
    global generation
    generation += 1
    for push in list(_subscribers):
        push(frame)


def _layer() -> BaseChannelLayer:
    layer = get_channel_layer()
    assert layer is not None
    return layer


@background.every("lobby-feed", lambda: 1.0)
async def listen() -> None:
    """Join the ``lobby`` group with this process's channel and deliver what it receives, until stopped."""
    global _channel, _channel_layer, generation
    generation += 1
    layer = _layer()
    if _channel is None or _channel_layer is not layer:  # a new layer (settings changed) knows no old channel
        _channel, _channel_layer = await layer.new_channel(), layer
    await layer.group_add(groups.LOBBY, _channel)
    try:
        while True:
            deliver((await layer.receive(_channel))["frame"])
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await layer.group_discard(groups.LOBBY, _channel)
        _channel = None
        generation += 1
        raise


@memberships.on_forgotten
@background.every("lobby-feed-renew", lambda: 3600.0)
async def renew() -> None:
    """Rejoin the group now and then: the layers drop a membership a day (``group_expiry``) after it was added,
    and Redis all of them when it restarts."""
    if _channel is not None:
        await _layer().group_add(groups.LOBBY, _channel)
