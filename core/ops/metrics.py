"""Prometheus metrics of one process, served at ``/metrics`` (prometheus-client's text format).

Counters and histograms are updated where things happen (sockets, rooms, ticks); gauges of what a
process holds (sockets, rooms by game) are read from the runtime when scraped, so they never drift.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

TICK_BUCKETS = (0.001, 0.002, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1.0)

ACCEPTED: Tally[str] = Tally()  # actions accepted, by game: a plain count, as the arena takes 20k inputs a second
ERRORS = Counter("parlor_errors", "Messages refused or failed, by kind.", ["kind"])
DROPPED = Counter("parlor_dropped_messages", "Messages not sent to slow consumers, by transport.", ["transport"])
SLOW_CLOSED = Counter("parlor_slow_sockets_closed", "Sockets closed for not reading, by transport.", ["transport"])
TICK_SECONDS = Histogram(
    "parlor_tick_seconds", "One tick's simulation and encoding.", ["game", "room"], buckets=TICK_BUCKETS
)
TICK_WRITES = Histogram(
    "parlor_tick_write_seconds", "One tick's frames written to sockets.", ["game", "room"], buckets=TICK_BUCKETS
)
TICK_LATENESS = Histogram(
    "parlor_tick_lateness_seconds", "How late each tick started.", ["game", "room"], buckets=TICK_BUCKETS
)

Sockets = Callable[[], Iterable[tuple[str, int]]]
Rooms = Callable[[], Iterable[str]]
_sockets: list[Sockets] = []
_rooms: list[Rooms] = []


def count_sockets(source: Sockets) -> None:
    """Register a source of open sockets as (transport, count) pairs, read at every scrape."""
    _sockets.append(source)


def count_rooms(source: Rooms) -> None:
    """Register a source of loaded rooms as one game slug per room, read at every scrape."""
    _rooms.append(source)


def forget_room(game: str, room: str) -> None:
    """Drop a room's tick series when it unloads, so a long-lived process does not keep every room ever seen."""
    for histogram in (TICK_SECONDS, TICK_WRITES, TICK_LATENESS):
        try:
            histogram.remove(game, room)
        except KeyError:
            pass


class _Holdings(Collector):
    """Open sockets by transport and loaded rooms by game (gauges), and actions by game, computed when scraped."""

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        sockets = GaugeMetricFamily("parlor_connections", "Open websockets, by transport.", labels=["transport"])
        totals: Tally[str] = Tally()
        for source in _sockets:
            for transport, count in source():
                totals[transport] += count
        for transport, count in sorted(totals.items()):
            sockets.add_metric([transport], count)
        rooms = GaugeMetricFamily("parlor_rooms", "Rooms loaded in this process, by game.", labels=["game"])
        games: Tally[str] = Tally(game for source in _rooms for game in source())
        for game, count in sorted(games.items()):
            rooms.add_metric([game], count)
        actions = CounterMetricFamily("parlor_actions", "Player actions accepted by rooms.", labels=["game"])
        for game, count in sorted(ACCEPTED.items()):
            actions.add_metric([game], count)
        yield sockets
        yield rooms
        yield actions


REGISTRY.register(_Holdings())


def exposition() -> bytes:
    """Every metric of this process in Prometheus' text format."""
    return generate_latest(REGISTRY)
