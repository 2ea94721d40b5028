"""Two people in two browsers: one invites, the other accepts, both land in the room and play to the end."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser


async def _lobby(browser: Browser, server: LiveServer) -> tuple[Page, str]:
    """A new visitor (a guest) on the lobby page, and the display name they were given."""
    page = await open_page(browser, server.url + "/", 1200)
    return page, (await page.locator("#me").inner_text()).strip()


async def _click_cell(page: Page, cell: int) -> None:
    await page.locator(f".ttt-cell[data-cell='{cell}']").click()


async def test_invite_accept_and_play_to_a_win(browser: Browser, parlor_server: LiveServer) -> None:
    """The inviter plays X and wins; both pages show the same board and the result, a watcher too."""
    alice, alice_name = await _lobby(browser, parlor_server)
    bob, bob_name = await _lobby(browser, parlor_server)

    bob_entry = alice.locator("#online li", has_text=bob_name)
    await expect(bob_entry).to_be_visible()
    await alice.select_option("#game", "tictactoe")
    await bob_entry.get_by_role("button", name="Invite").click()
    await expect(alice.locator("#invitations")).to_contain_text(f"You invited {bob_name}")

    invitation = bob.locator(".toast.invitation", has_text=f"{alice_name} invites you to play Tic-tac-toe")
    await expect(invitation).to_be_visible()
    await invitation.get_by_role("button", name="Accept").click()

    await expect(bob).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(alice).to_have_url(bob.url)
    await expect(alice.locator("#status")).to_have_text("Your turn.")
    await expect(bob.locator("#status")).to_have_text(f"{alice_name} (X) to play.")

    watcher = await (await browser.new_context()).new_page()
    await watcher.goto(bob.url)
    await expect(watcher.locator("#sit")).to_be_hidden()

    for page, cell in [(alice, 0), (bob, 4), (alice, 1), (bob, 5), (alice, 2)]:
        await expect(page.locator("#status")).to_have_text("Your turn.")
        await _click_cell(page, cell)

    await expect(alice.locator("#status")).to_have_text("You win! (three in a row)")
    await expect(bob.locator("#status")).to_have_text(f"You lose: {alice_name} won (three in a row).")
    await expect(watcher.locator("#status")).to_have_text(f"{alice_name} (X) won: three in a row.")
    for page in (alice, bob, watcher):
        marks = await page.locator(".ttt-cell").evaluate_all("cells => cells.map(c => c.textContent).join('')")
        assert marks == "XXXOO"
        await expect(page.locator(".ttt-cell.win")).to_have_count(3)
    await expect(alice.locator("#rematch")).to_be_visible()
