"""The lobby in real browsers: create and join by link, live presence, announcements, rename."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser


async def _visitor(browser: Browser, server: LiveServer, width: int = 1200) -> tuple[BrowserContext, Page, str]:
    page = await open_page(browser, server.url + "/", width)
    return page.context, page, (await page.locator("#me").inner_text()).strip()


async def test_create_a_room_and_join_it_by_link(browser: Browser, parlor_server: LiveServer) -> None:
    """A private room's join link seats the second player; the watch link never does."""
    _, host, host_name = await _visitor(browser, parlor_server)
    await host.select_option("#game", "tictactoe")
    await host.uncheck("#public")
    await host.get_by_role("button", name="Create room").click()
    await expect(host).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(host.locator("#status")).to_have_text("Waiting for 1 more player…")
    join_link = await host.locator("#join-link").input_value()
    watch_link = await host.locator("#watch-link").input_value()
    assert "/join/" in join_link and "/join/" not in watch_link

    _, watcher, _ = await _visitor(browser, parlor_server)
    await watcher.goto(watch_link)
    await expect(watcher.locator("#status")).to_have_text("Waiting for 1 more player…")
    await expect(watcher.locator("#sit")).to_be_hidden()
    await expect(watcher.locator("#join-row")).to_be_hidden()

    _, guest, guest_name = await _visitor(browser, parlor_server, width=390)
    await guest.goto(join_link)
    await expect(guest.locator("#status")).to_have_text(f"{host_name} (X) to play.")
    await expect(host.locator("#status")).to_have_text("Your turn.")
    await expect(watcher.locator("#seats")).to_contain_text(guest_name)
    await expect(watcher.locator("#sit")).to_be_hidden()


async def test_presence_follows_the_last_tab(browser: Browser, parlor_server: LiveServer) -> None:
    """Two tabs of one user count once; closing both takes them offline for others within seconds."""
    _, observer, _ = await _visitor(browser, parlor_server)
    context, first_tab, name = await _visitor(browser, parlor_server)
    second_tab = await context.new_page()
    await second_tab.goto(parlor_server.url + "/")
    await expect(second_tab.locator("#connection")).to_have_text("online")
    entry = observer.locator("#online li", has_text=name)
    await expect(entry).to_have_count(1)
    await first_tab.close()
    await asyncio.sleep(1)
    await expect(entry).to_have_count(1)
    await second_tab.close()
    await expect(entry).to_have_count(0, timeout=5000)


async def test_announcement_from_the_management_command(browser: Browser, parlor_server: LiveServer) -> None:
    """``manage.py notify`` reaches every open page live, on the lobby and in a room alike."""
    _, lobby_page, _ = await _visitor(browser, parlor_server)
    _, room_page, _ = await _visitor(browser, parlor_server)
    await room_page.select_option("#game", "tictactoe")
    await room_page.get_by_role("button", name="Create room").click()
    await expect(room_page.locator("#status")).to_have_text("Waiting for 1 more player…")
    await expect(room_page.locator("#connection")).to_have_text("online")
    text = "Maintenance tonight at 01:00 (browser test)"
    await asyncio.to_thread(parlor_server.manage, "notify", text)
    for page in (lobby_page, room_page):
        await expect(page.locator(".toast.announcement", has_text=text)).to_be_visible()
        await expect(page.locator("#bell-count")).not_to_have_text("0")


async def test_rename_shows_live_in_other_lobbies(browser: Browser, parlor_server: LiveServer) -> None:
    """A guest renames themselves; another lobby shows the new name."""
    _, observer, _ = await _visitor(browser, parlor_server)
    _, page, _ = await _visitor(browser, parlor_server)
    await page.locator("#me").click()
    await page.fill("#id_display_name", "Captain Renamed")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#me")).to_have_text("Captain Renamed")
    await expect(observer.locator("#online li", has_text="Captain Renamed")).to_have_count(1)
