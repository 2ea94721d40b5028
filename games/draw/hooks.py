"""Draw Together's I/O beside its pure rules: prompts made when a room is created, the picture saved at the end."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from functools import cache

import msgspec
from channels.db import database_sync_to_async

from core.rooms import registry
from core.rooms.protocol import JSON

from .models import Picture
from .prompts import PromptProvider, provider_from_settings
from .render import render_png
from .rules import DrawOptions, DrawTogether, State, all_prompts, visible_strokes


@cache
def provider() -> PromptProvider:
    """OpenAI with the deck as fallback when OPENAI_API_KEY is set, else the deck (read once per process)."""
    return provider_from_settings(os.environ)


async def prepare(options: msgspec.Struct, earlier: Sequence[JSON]) -> JSON:
    """A theme not used before in this room, split into a part per possible seat."""
    assert isinstance(options, DrawOptions)
    avoid = [str(content.get("theme", "")) for content in earlier]
    found = await provider().series(players=DrawTogether.max_players, rounds=options.rounds, avoid=avoid)
    return msgspec.to_builtins(found)  # type: ignore[no-any-return]


def _save(done: registry.Finished, png: bytes, strokes: int) -> None:
    state: State = done.state
    prompts = [{**entry, "name": done.names[entry["seat"]]} for entry in all_prompts(state)]
    Picture.objects.update_or_create(
        match_id=done.match_id,
        defaults={
            "room_id": done.room_id,
            "theme": state.theme,
            "source": state.source,
            "prompts": prompts,
            "strokes": strokes,
            "png": png,
        },
    )


async def finished(done: registry.Finished) -> None:
    """Render the picture from its strokes in a worker thread (never on the event loop) and keep it."""
    strokes = visible_strokes(done.state)
    png = await asyncio.to_thread(render_png, strokes)
    await database_sync_to_async(_save)(done, png, len(strokes))


HOOKS = registry.Hooks(prepare=prepare, finished=finished)
