"""A token bucket per connection: bursts are fine, a sustained flood is not."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from core.ops import metrics

from . import closecodes, wire

log = logging.getLogger(__name__)


class TokenBucket:
    """Allows ``rate`` messages per second on average and ``burst`` at once."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.updated = clock()

    def allow(self) -> bool:
        """Take one token if there is one."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Flood:
    """A socket's message budget: a token bucket, a warning at most once a second, a disconnect after
    more than ``strikes`` refusals within 10 s."""

    def __init__(self, rate: float, burst: float, strikes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.bucket = TokenBucket(rate, burst, clock)
        self.clock, self.limit = clock, strikes
        self.strikes = 0
        self.window = self.last_warning = -1e9

    def check(self) -> str | None:
        """None if this message is allowed; else "warn" (say so), "quiet" (already said) or "close"."""
        if self.bucket.allow():
            return None
        now = self.clock()
        if now - self.window > 10:
            self.window, self.strikes = now, 0
        self.strikes += 1
        if self.strikes > self.limit:
            return "close"
        if now - self.last_warning >= 1:
            self.last_warning = now
            return "warn"
        return "quiet"


class Socket(Protocol):
    """What ``refuse`` needs of a socket: a way to send an error and to close."""

    def push(self, frame: str) -> None: ...

    def shut(self, code: int) -> None: ...


def refuse(socket: Socket, verdict: str, user_id: int) -> None:
    """Answer a message over the limit as ``Flood.check`` said: a warning, nothing, or an error and a close."""
    metrics.ERRORS.labels("rate_limited").inc()
    if verdict == "close":
        log.warning("disconnecting flooding socket user=%s", user_id)
        socket.push(wire.error("Too many messages: disconnected."))
        socket.shut(closecodes.RATE_LIMITED)
    elif verdict == "warn":
        socket.push(wire.error("Too many messages: slow down (this one was ignored)."))
