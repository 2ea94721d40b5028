"""The drawing page's frames: the whole picture on arrival, then only what changed.

Sending ``room.state`` with the full stroke log after every batch would grow with the picture
(quadratic traffic); instead a batch, an undo, a clear or a cursor goes out as ``draw.events``,
and other changes (a new round, seats) as ``room.state`` without the strokes, which the page keeps.
Batches, the bulk of the traffic, are arrays: ``"d": [[seat, stroke, points], ...]``, with
``color, size, tool`` appended for a stroke's first batch (benchmarks/draw_traffic.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.rooms.codecs import StateCodec, room_message
from core.rooms.protocol import Event
from core.transport import wire

if TYPE_CHECKING:
    from core.rooms.runtime import LiveRoom, Viewer

INCREMENTAL = frozenset({"draw", "undo", "clear", "cursor"})


STYLE = ("color", "size", "tool")


def compact(events: list[Event]) -> wire.JSON:
    """One ``draw.events`` frame: batches as arrays, the rare undo, clear and cursor as objects."""
    batches: list[list[object]] = []
    others: list[wire.JSON] = []
    for event in events:
        data = event.data
        if event.type == "draw":
            style = [data[key] for key in STYLE if key in data]
            batches.append([data["seat"], data["stroke"], data["points"], *style])
        else:
            others.append({"type": event.type, **data})
    frame: wire.JSON = {"type": "draw.events"}
    if batches:
        frame["d"] = batches
    if others:
        frame["events"] = others
    return frame


class DrawPageCodec(StateCodec):
    """Full picture in the welcome; small frames afterwards, encoded once per publish for every viewer.

    The runtime passes every viewer the same ``events`` list in one publish, so its identity keys the cache.
    """

    def __init__(self) -> None:
        self._last: tuple[list[Event], str] | None = None

    def frames(self, room: LiveRoom, viewer: Viewer, events: list[Event]) -> list[str]:
        if events and all(event.type in INCREMENTAL and event.to is None for event in events):
            if self._last is None or self._last[0] is not events:
                self._last = (events, wire.encode(compact(events)))
            return [self._last[1]]
        message = room_message(room, viewer, events)
        if message["view"] is not None:
            message["view"].pop("strokes", None)
        return [wire.encode(message)]


PAGE = DrawPageCodec()
