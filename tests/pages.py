"""Opening a page as a new visitor in real Chromium: its own browser context (own cookies, so its own guest)."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect


async def open_page(browser: Browser, url: str, width: int = 1100, height: int = 900) -> Page:
    """A fresh visitor's page at ``url``, returned once its socket is online."""
    page = await (await browser.new_context(viewport={"width": width, "height": height})).new_page()
    await page.goto(url)
    await expect(page.locator("#connection")).to_have_text("online")
    return page
