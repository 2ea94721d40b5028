"""The arena page in real Chromium: your ship appears, the pointer steers it, snapshots keep it moving."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser


async def test_fly_your_ship(browser: Browser, parlor_server: LiveServer) -> None:
    """Create an arena from the lobby, thrust toward the pointer: the ship is drawn and moves."""
    page = await open_page(browser, parlor_server.url + "/", 1000)
    name = (await page.locator("#me").inner_text()).strip()
    await page.select_option("#game", "arena")
    await page.get_by_role("button", name="Create room").click()
    await expect(page).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(page.locator("#status")).to_contain_text("You're in")
    await expect(page.locator(".arena-scores li.you")).to_have_text(re.compile(re.escape(name) + r": 0"))
    canvas = page.locator("canvas.arena")
    box = await canvas.bounding_box()
    assert box is not None and box["width"] > 300
    drawn = "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
    drawn += " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 100 || d[i+1] > 100) n++; return n; }"
    assert await canvas.evaluate(drawn) > 50, "the ship is drawn on the canvas"
    await page.mouse.move(box["x"] + 10, box["y"] + 10)
    await page.mouse.down()
    before = await canvas.screenshot()
    await page.wait_for_timeout(800)
    after = await canvas.screenshot()
    await page.mouse.up()
    assert before != after, "the ship moved"
