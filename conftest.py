"""Shared fixtures: a fresh room runtime (autoused by core/, games/ and tests/), the real server, real Chromium."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from tests.server import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def fresh_runtime() -> AsyncIterator[None]:
    """Each test starts with no live rooms and leaves no background task behind."""
    from core import background
    from core.rooms.runtime import runtime

    await runtime.reset()
    yield
    await background.stop()
    await runtime.reset()
    await _fresh_layer()


async def _fresh_layer() -> None:
    """Let the next test build its own channel layer: each test has its own event loop, and channels_redis keeps
    per-loop state (its receive lock, the locks its backup cleaners release) that a finished loop can leave held,
    so one test that ends mid-receive would otherwise stall or break every later one."""
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers

    layer = channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    close = getattr(layer, "close_pools", None)
    if close is not None:
        await asyncio.wait([asyncio.ensure_future(close())], timeout=5)


@pytest.fixture(scope="session")
def parlor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server process (uvicorn) shared by the end-to-end and browser tests."""
    server = LiveServer(tmp_path_factory.mktemp("server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A fresh headless Chromium (Debian's package) for one test; Playwright downloads nothing."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        await chromium.close()
