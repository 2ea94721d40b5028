"""Color Clues in real Chromium: three players play a whole round, from the secret card to the scores."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.pages import open_page
from tests.server import LiveServer

pytestmark = pytest.mark.browser


async def _place(page: Page, label: str) -> None:
    """Tap a square, check the helpers name it, then press the place button."""
    await expect(page.locator("#status")).to_have_text("Your turn: place a piece.")
    await page.locator(f'.cc-square[data-label="{label}"]').click()
    await expect(page.locator("#hover")).to_contain_text(f"{label}: ")
    await page.locator("#place").click()
    await expect(page.locator(f'.cc-square[data-label="{label}"] .cc-piece')).to_have_count(1)


def _far_corners(target: str) -> list[str]:
    """The two corners of the board (rows A-P, columns 1-30) farthest from ``target``: no piece there scores."""
    row, column = ord(target[0]) - ord("A"), int(target[1:])
    corners = [(r, c) for r in (0, 15) for c in (1, 30)]
    corners.sort(key=lambda rc: max(abs(rc[0] - row), abs(rc[1] - column)), reverse=True)
    return [f"{chr(ord('A') + r)}{c}" for r, c in corners[:2]]


async def test_three_players_play_a_round_to_the_scores(browser: Browser, parlor_server: LiveServer) -> None:
    """Ann gives the cue; Ben and Cat place pieces clockwise, then in reverse; all three see the reveal and scores."""
    ann = await open_page(browser, parlor_server.url + "/", height=1000)
    await ann.select_option("#game", "colorclues")
    await ann.get_by_role("button", name="Create room").click()
    await expect(ann).to_have_url(re.compile(r"/room/[\w-]+/$"))
    await expect(ann.locator("#join-link")).to_have_value(re.compile("/join/"))
    join = await ann.locator("#join-link").input_value()
    ben = await open_page(browser, join, width=400, height=1000)
    cat = await open_page(browser, join, height=1000)
    await expect(ann.locator("#seats li")).to_have_count(3)
    await ann.get_by_role("button", name="Start the game").click()

    await expect(ann.locator("#giver-panel")).to_be_visible()
    await expect(ann.locator(".cc-card-colour")).to_have_count(4)
    for page in (ben, cat):
        await expect(page.locator("#giver-panel")).to_be_hidden()
        await expect(page.locator("#cues")).to_contain_text("Waiting for")
    pick = ann.locator(".cc-card-colour").nth(1)
    target = (await pick.inner_text()).split(" · ")[0]
    await pick.click()
    await ann.locator("#cue").fill("red")
    await ann.get_by_role("button", name="Give cue").click()
    await expect(ann.locator(".toast.error")).to_contain_text("red")
    await ann.locator("#cue").fill("lavender")
    await ann.get_by_role("button", name="Give cue").click()
    for page in (ann, ben, cat):
        await expect(page.locator("#cues")).to_contain_text("“lavender”")
    for page in (ben, cat):
        await expect(page.locator(".cc-card-colour, .cc-square.target")).to_have_count(0)

    await _place(ben, target)
    far, farther = _far_corners(target)  # more than two rings from the target: Cat scores 0
    await _place(cat, far)
    await ann.get_by_role("button", name="Pass").click()
    await _place(cat, farther)
    await _place(ben, "H15" if target != "H15" else "H16")

    for page in (ann, ben, cat):
        await expect(page.locator("#breakdown")).to_contain_text(f"The colour was {target}")
        await expect(page.locator("#breakdown tbody tr")).to_have_count(4)
        await expect(page.locator(".cc-frame")).to_be_visible()
    scores = await cat.locator("#scores li").all_inner_texts()
    assert any(text.endswith(": 0") or text.endswith(": 1") for text in scores)
    ben_name = await ben.locator("#me").inner_text()
    ben_score = next(text for text in scores if text.startswith(ben_name))
    assert int(ben_score.rsplit(": ", 1)[1]) >= 3, "Ben placed a piece on the target"
