"""Connect Four in real Chromium: two players and a watcher; and a server killed mid-game."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser


async def _new_game(browser: Browser, server: LiveServer) -> tuple[Page, Page, str]:
    """Red creates a private Connect Four room, yellow opens its join link: both pages, and the watch link."""
    red = await open_page(browser, server.url + "/")
    await red.select_option("#game", "connect4")
    await red.uncheck("#public")
    await red.get_by_role("button", name="Create room").click()
    await expect(red).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(red.locator("#join-link")).to_have_value(re.compile("/join/"))
    join = await red.locator("#join-link").input_value()
    yellow = await open_page(browser, join, width=390)
    await expect(red.locator("#status")).to_have_text("Your turn.")
    return red, yellow, await red.locator("#watch-link").input_value()


async def _drop(page: Page, column: int) -> None:
    await expect(page.locator("#status")).to_have_text("Your turn.")
    await page.locator(f".c4-column[data-column='{column}']").click()


async def _colors(page: Page) -> list[str]:
    return await page.locator(".c4-cell").evaluate_all("cells => cells.map(c => c.dataset.color || '-')")


async def test_two_players_and_a_watcher(browser: Browser, parlor_server: LiveServer) -> None:
    """Red wins on a diagonal; all three pages end on the same board with the four highlighted."""
    red, yellow, watch = await _new_game(browser, parlor_server)
    watcher = await open_page(browser, watch)
    for index, column in enumerate([0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3]):
        await _drop(red if index % 2 == 0 else yellow, column)
    await expect(red.locator("#status")).to_have_text("You win! (four in a row)")
    await expect(yellow.locator("#status")).to_contain_text("You lose")
    await expect(watcher.locator("#status")).to_contain_text("(red) won: four in a row.")
    boards = [await _colors(page) for page in (red, yellow, watcher)]
    assert boards[0] == boards[1] == boards[2] and boards[0].count("red") == 6
    for page in (red, yellow, watcher):
        await expect(page.locator(".c4-cell.win")).to_have_count(4)
        await expect(page.locator(".c4-cell.last")).to_have_count(1)
    await expect(red.locator("#replay-link")).to_be_visible()


async def test_pages_reconnect_after_the_server_is_killed(browser: Browser, parlor_server: LiveServer) -> None:
    """kill -9 mid-game and start again: both pages reconnect by themselves and the game goes on."""
    red, yellow, _ = await _new_game(browser, parlor_server)
    for index, column in enumerate([3, 3, 4]):
        await _drop(red if index % 2 == 0 else yellow, column)
    await expect(yellow.locator("#status")).to_have_text("Your turn.")
    before = await _colors(red)
    parlor_server.kill()
    await expect(red.locator("#connection")).to_have_text("reconnecting…")
    parlor_server.start()
    for page in (red, yellow):
        await expect(page.locator("#connection")).to_have_text("online", timeout=15000)
    assert await _colors(yellow) == before
    await _drop(yellow, 4)
    await expect(red.locator("#status")).to_have_text("Your turn.")
    assert (await _colors(red)).count("yellow") == 2
