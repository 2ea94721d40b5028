"""The per-socket token bucket, driven by a fake clock."""

from __future__ import annotations

import pytest

from core.transport.ratelimit import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_burst_then_refused(clock: FakeClock) -> None:
    """A full bucket allows exactly ``burst`` messages at once."""
    bucket = TokenBucket(rate=2, burst=5, clock=clock)
    assert [bucket.allow() for _ in range(6)] == [True] * 5 + [False]
    assert not bucket.allow()


def test_refills_at_rate(clock: FakeClock) -> None:
    """Tokens come back at ``rate`` per second, fractions included."""
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    for _ in range(3):
        bucket.allow()
    clock.now += 0.4  # 0.8 token
    assert not bucket.allow()
    clock.now += 0.1  # 1.0 token (the refused call kept the 0.8)
    assert bucket.allow()
    assert not bucket.allow()
    clock.now += 1.0  # 2 tokens
    assert [bucket.allow() for _ in range(3)] == [True, True, False]


def test_idle_time_never_exceeds_burst(clock: FakeClock) -> None:
    """A long silence refills to ``burst``, not more."""
    bucket = TokenBucket(rate=10, burst=4, clock=clock)
    bucket.allow()
    clock.now += 3600
    assert [bucket.allow() for _ in range(5)] == [True] * 4 + [False]


def test_sustained_rate_is_allowed(clock: FakeClock) -> None:
    """Sending exactly at the rate is never refused, however long it lasts."""
    bucket = TokenBucket(rate=5, burst=1, clock=clock)
    for _ in range(100):
        assert bucket.allow()
        clock.now += 0.2


def test_flood_is_held_to_the_rate(clock: FakeClock) -> None:
    """A flood over 10 s gets burst + rate * 10 messages through."""
    bucket = TokenBucket(rate=3, burst=6, clock=clock)
    allowed = 0
    for _ in range(81):  # t = 0, 0.125, ..., 10.0 (exact in binary floating point)
        allowed += bucket.allow()
        clock.now += 0.125
    assert allowed == 6 + 30
