"""Draw Together in real Chromium: two players draw, each canvas shows both strokes, a late watcher sees the same."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser

RED, BLUE = "#c62828", "#1565c0"


async def _line(page: Page, colour: str, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Pick ``colour`` and drag across the canvas between two logical points."""
    await page.get_by_role("button", name=f"colour {colour}").click()
    box = await page.locator(".draw-canvas").bounding_box()
    assert box is not None

    def client(x: int, y: int) -> tuple[float, float]:
        return box["x"] + x / 1200 * box["width"], box["y"] + y / 800 * box["height"]

    await page.mouse.move(*client(*start))
    await page.mouse.down()
    await page.mouse.move(*client(*end), steps=12)
    await page.mouse.up()


async def _wait_for_colour(page: Page, x: int, y: int, colour: str) -> None:
    """Wait until the canvas pixel at logical (x, y) has ``colour`` (read from the canvas itself)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    await page.wait_for_function(
        """([x, y, rgb]) => {
            const canvas = document.querySelector('.draw-canvas');
            const px = canvas.getContext('2d').getImageData(
                Math.round(x * canvas.width / 1200), Math.round(y * canvas.height / 800), 1, 1).data;
            return rgb.every((value, i) => Math.abs(px[i] - value) < 40);
        }""",
        arg=[x, y, rgb],
        timeout=5000,
    )


async def test_two_players_draw_and_a_late_watcher_sees_the_picture(
    browser: Browser, parlor_server: LiveServer
) -> None:
    """Alice draws red across, Bob blue down; both canvases show both; Carol joins later and sees them too."""
    alice = await open_page(browser, parlor_server.url + "/")
    await alice.select_option("#game", "draw")
    await alice.get_by_role("button", name="Create room").click()
    await expect(alice).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(alice.locator("#join-link")).to_have_value(re.compile("/join/"))
    bob = await open_page(browser, await alice.locator("#join-link").input_value(), width=420)
    await alice.get_by_role("button", name="Start the game").click()
    for page in (alice, bob):
        await expect(page.locator("#clock")).to_be_visible()
        await expect(page.locator("#part")).to_contain_text("You draw")
    alice_prompt = await alice.locator("#prompt").inner_text()
    bob_prompt = await bob.locator("#prompt").inner_text()
    assert alice_prompt != bob_prompt
    assert bob_prompt not in await alice.content() and alice_prompt not in await bob.content()

    await _line(alice, RED, (200, 400), (1000, 400))
    await _line(bob, BLUE, (600, 100), (600, 700))
    for page in (alice, bob):
        await _wait_for_colour(page, 300, 400, RED)
        await _wait_for_colour(page, 600, 200, BLUE)
        await _wait_for_colour(page, 300, 200, "#ffffff")

    carol = await open_page(browser, await alice.locator("#watch-link").input_value())
    await expect(carol.locator("#prompt")).to_have_text("You are watching.")
    await _wait_for_colour(carol, 300, 400, RED)
    await _wait_for_colour(carol, 600, 600, BLUE)
    assert alice_prompt not in await carol.content() and bob_prompt not in await carol.content()

    bob.on("dialog", lambda dialog: dialog.accept())
    await bob.get_by_role("button", name="Undo").click()
    await _wait_for_colour(alice, 600, 200, "#ffffff")
    await _wait_for_colour(alice, 300, 400, RED)
