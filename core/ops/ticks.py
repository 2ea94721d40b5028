"""A real-time room's recent ticks, for the staff's room monitor: rate, tick time and lateness over a few seconds.

Prometheus' histograms (``metrics.py``) count since the room loaded; this window answers "how is it doing now".
"""

from __future__ import annotations

from collections import deque
from typing import Any

WINDOW_SECONDS = 10.0
LIMIT = 2000  # samples kept at most: 10 s of a 200 Hz loop


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (not empty)."""
    return values[min(len(values) - 1, int(share * len(values)))]


class TickWindow:
    """The ticks of the last ``WINDOW_SECONDS``: when each was due, how long it ran and how late it started."""

    def __init__(self) -> None:
        self.samples: deque[tuple[float, float, float]] = deque(maxlen=LIMIT)
        self.since: float | None = None

    def add(self, due: float, spent: float, late: float) -> None:
        """Record one tick (times in seconds, ``due`` on the room's clock)."""
        if self.since is None:
            self.since = due
        self.samples.append((due, spent, late))

    def report(self, now: float, hz: float) -> dict[str, Any]:
        """Ticks per second, p50/p99 tick time and lateness in ms, and a one-word verdict against ``hz``."""
        while self.samples and self.samples[0][0] < now - WINDOW_SECONDS:
            self.samples.popleft()
        span = min(WINDOW_SECONDS, now - self.since) if self.since is not None else 0.0
        count = len(self.samples)
        report: dict[str, Any] = {"hz": hz, "rate": round(count / span, 1) if span > 0 else 0.0}
        if not count:
            return {**report, "p50_ms": None, "p99_ms": None, "late_p50_ms": None, "late_p99_ms": None,
                    "health": "stalled" if self.since is not None else "idle"}  # fmt: skip
        spent = sorted(sample[1] for sample in self.samples)
        late = sorted(sample[2] for sample in self.samples)
        period = 1 / hz
        p99, late_p99 = percentile(spent, 0.99), percentile(late, 0.99)
        if late_p99 > period or (span >= 2 * period and report["rate"] < 0.9 * hz):
            health = "late"
        elif p99 > period / 2:
            health = "busy"
        else:
            health = "ok"
        return {
            **report,
            "p50_ms": round(percentile(spent, 0.5) * 1000, 2),
            "p99_ms": round(p99 * 1000, 2),
            "late_p50_ms": round(percentile(late, 0.5) * 1000, 2),
            "late_p99_ms": round(late_p99 * 1000, 2),
            "health": health,
        }
