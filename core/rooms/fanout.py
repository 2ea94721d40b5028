"""Fan-out: one room update pushed to every socket, each distinct frame encoded once.

A codec is called once per (codec, viewer) pair, or once in all for a ``shared`` codec, whose frames
are snapshots: a socket that has not sent the last one gets only the newest. A ``per_member`` codec
builds one batch per update and frames each socket's message from it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from .codecs import MemberCodec
from .protocol import Event

if TYPE_CHECKING:
    from .live import LiveRoom
    from .membership import Member


def publish(room: LiveRoom, events: list[Event], *, tick: bool = False, skip: Member | None = None) -> None:
    """Push an update (a tick's, or any other change) to every socket of ``room`` whose codec wants it."""
    wanted = [codec for codec in room.codecs if (codec.ticks if tick else codec.changes)]
    if not wanted:
        return  # nobody's codec wants it: no socket to walk (an arena's departures, seen in the next tick)
    if not all(codec.per_member for codec in wanted):
        _push_frames(room, events, tick, skip)
    for codec in wanted:
        if codec.per_member:
            members = room.streams()[codec]
            if skip is not None:
                members = [pair for pair in members if pair[0] is not skip]
            stream = cast(MemberCodec, codec)
            batch = stream.batch(room, events)
            started = time.perf_counter()
            stream.deliver(batch, members)
            room.writing += time.perf_counter() - started


def _push_frames(room: LiveRoom, events: list[Event], tick: bool, skip: Member | None) -> None:
    """The frames of the codecs that are not ``per_member``, each encoded once per (codec, viewer) or once."""
    frames: dict[object, list[str]] = {}
    for member, viewer in room.members.items():
        codec = member.codec
        if member is skip or codec.per_member or not (codec.ticks if tick else codec.changes):
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
