"""Background jobs: restarted after a failure, and stopped within a bound even if one ignores cancellation."""

from __future__ import annotations

import asyncio
import logging

import pytest

from core import background


async def test_stop_is_bounded_and_names_a_job_that_ignores_cancellation(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue  # as a library that swallows its cancellation

    monkeypatch.setattr(background, "STOP_SECONDS", 0.2)
    task = asyncio.create_task(stubborn(), name="parlor:stubborn")
    monkeypatch.setattr(background, "_tasks", {"stubborn": task})
    with caplog.at_level(logging.ERROR, logger="core.background"):
        await asyncio.wait_for(background.stop(), 2)
    assert "background job parlor:stubborn did not stop within 0 s" in caplog.text
    assert "test_background.py" in caplog.text and "in stubborn" in caplog.text  # where it was stuck
    assert "sleep" in caplog.text  # and what it waits in, below the job's own frame
    release.set()
    task.cancel()  # now it ends
    await asyncio.wait_for(task, 1)


async def test_a_failing_job_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")

    monkeypatch.setattr(background, "_jobs", [("flaky", lambda: 0.01, flaky)])
    monkeypatch.setattr(background, "_tasks", {})
    background.ensure_started()
    await asyncio.sleep(0.1)
    await background.stop()
    assert len(runs) >= 2
