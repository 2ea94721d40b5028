"""The arena page in real Chromium: the world arrives over the lane, the pointer steers, two pages see each other."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser
DRAWN = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 100 || d[i+1] > 100) n++; return n; }"""


async def live_arena(page: Page) -> None:
    """Wait until the page's lane is open and snapshots are arriving."""
    canvas = page.locator("canvas.arena")
    await expect(canvas).to_have_attribute("data-lane", "open")
    await expect(canvas).to_have_attribute("data-tick", re.compile(r"\d+"))


async def test_fly_your_ship_and_see_another_player(browser: Browser, parlor_server: LiveServer) -> None:
    """Create an arena and thrust toward the pointer: your ship is drawn and moves.

    A visitor watches first, takes a seat, and both pages count two players; when it leaves its seat, one; it sits
    again, and when it closes its page, its ship leaves after the grace (1 s on the test server).
    """
    page = await open_page(browser, parlor_server.url + "/", 1000)
    name = (await page.locator("#me").inner_text()).strip()
    await page.select_option("#game", "arena")
    await page.get_by_role("button", name="Create room").click()
    await expect(page).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(page.locator("#status")).to_contain_text("You're in: your ship turns toward the pointer")
    await live_arena(page)
    canvas = page.locator("canvas.arena")
    await expect(canvas).to_have_attribute("data-seat", "0")
    await expect(page.locator(".arena-scores li.you")).to_have_text(re.compile(re.escape(name) + r": 0"))
    box = await canvas.bounding_box()
    assert box is not None and box["width"] > 300
    assert await canvas.evaluate(DRAWN) > 50, "the ship is drawn on the canvas"
    await page.mouse.move(box["x"] + 10, box["y"] + 10)
    await page.mouse.down()
    before = await canvas.screenshot()
    await page.wait_for_timeout(800)
    after = await canvas.screenshot()
    await page.mouse.up()
    assert before != after, "the ship moved"

    other = await open_page(browser, page.url, 800)
    await live_arena(other)
    await expect(other.locator("canvas.arena")).to_have_attribute("data-seat", "")
    await other.get_by_role("button", name="Take a seat").click()
    await expect(other.locator("#status")).to_contain_text("You're in")
    await expect(other.locator("canvas.arena")).to_have_attribute("data-seat", "1")
    await expect(page.locator(".arena-players")).to_have_text("2 players")
    await expect(other.locator(".arena-scores li")).to_have_count(2)
    await other.get_by_role("button", name="Leave seat").click()
    await expect(page.locator(".arena-players")).to_have_text("1 player")
    await expect(other.locator("canvas.arena")).to_have_attribute("data-seat", "")
    await expect(other.get_by_role("button", name="Take a seat")).to_be_visible()
    await other.get_by_role("button", name="Take a seat").click()
    await expect(page.locator(".arena-players")).to_have_text("2 players")
    await other.close()
    await expect(page.locator(".arena-players")).to_have_text("1 player")


async def test_on_a_phone_a_held_touch_steers_and_thrusts(browser: Browser, parlor_server: LiveServer) -> None:
    """A touch screen: the page says how to play by touch, shows a Fire button, fits the screen, and a finger
    held on the canvas flies the ship."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(parlor_server.url + "/")
    await expect(page.locator("#connection")).to_have_text("online")
    await page.select_option("#game", "arena")
    await page.get_by_role("button", name="Create room").click()
    await expect(page.locator("#status")).to_contain_text("You're in: touch to steer and thrust")
    await live_arena(page)
    await expect(page.get_by_role("button", name="Fire")).to_be_visible()
    canvas = page.locator("canvas.arena")
    box = await canvas.bounding_box()
    assert box is not None and 300 <= box["width"] <= 390, box
    touch = await context.new_cdp_session(page)
    point = {"x": box["x"] + box["width"] - 10, "y": box["y"] + 10}
    before = await canvas.screenshot()
    await touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    await page.wait_for_timeout(800)
    after = await canvas.screenshot()
    await touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert before != after, "the ship flew toward the finger"
    await context.close()
