"""Fan-out: one room update pushed to every socket, each distinct frame encoded once.

A codec is called once per (codec, viewer) pair, or once in all for a ``shared`` codec, whose frames
are snapshots: a socket that has not sent the last one gets only the newest. A ``per_member`` codec
builds one batch per update and frames each socket's message from it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from .codecs import Codec, MemberCodec
from .protocol import Event

if TYPE_CHECKING:
    from .live import LiveRoom
    from .membership import Member, Viewer


def publish(room: LiveRoom, events: list[Event], *, tick: bool = False, skip: Member | None = None) -> None:
    """Push an update (a tick's, or any other change) to every socket of ``room`` whose codec wants it."""
    if not any(codec.ticks if tick else codec.changes for codec in room.codecs):
        return  # nobody's codec wants it: no socket to walk (an arena's departures, seen in the next tick)
    frames: dict[object, list[str]] = {}
    streams: dict[Codec, list[tuple[Member, Viewer]]] = {}
    for member, viewer in room.members.items():
        codec = member.codec
        if member is skip or not (codec.ticks if tick else codec.changes):
            continue
        if codec.per_member:
            streams.setdefault(codec, []).append((member, viewer))
            continue
        shared = codec.shared
        key = codec if shared else (codec, viewer)
        out = frames.get(key)
        if out is None:
            out = frames[key] = codec.frames(room, viewer, events)
        for frame in out:
            if shared:
                member.push_latest(frame)
            else:
                member.push(frame)
    for codec, members in streams.items():
        stream = cast(MemberCodec, codec)
        batch = stream.batch(room, events)
        started = time.perf_counter()
        stream.deliver(batch, members)
        room.writing += time.perf_counter() - started
