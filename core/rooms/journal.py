"""Group commit for the action log: every room's pending actions go to the database in one transaction.

A room appends and waits for its row to be committed before it tells anyone (the runtime's
invariant). While one batch is being written, new appends queue up and form the next batch, so
under load the number of commits and thread hops per move falls (benchmarks/connect4_latency.py).
A failing batch is retried row by row, so only the rows that cannot be stored fail.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async

from core.ops import logs

from . import store

Row = tuple[int, int, int, dict[str, Any]]


class Journal:
    """Batches ``store.actions_append`` calls from every room of this process."""

    def __init__(self) -> None:
        self.pending: list[tuple[Row, asyncio.Future[None]]] = []
        self.flusher: asyncio.Task[None] | None = None

    async def append(self, *, match_id: int, seq: int, seat: int, payload: dict[str, Any]) -> None:
        """Store one action; returns once it is committed, raises if it could not be."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append(((match_id, seq, seat, payload), future))
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.create_task(self._flush(), name="parlor:journal", context=logs.task_context())
        await future

    async def _flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                await database_sync_to_async(store.actions_append)([row for row, _ in batch])
            except Exception:
                await self._one_by_one(batch)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _one_by_one(self, batch: list[tuple[Row, asyncio.Future[None]]]) -> None:
        for row, future in batch:
            try:
                await database_sync_to_async(store.actions_append)([row])
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(None)
