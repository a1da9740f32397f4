"""The discussion page in headless Chromium: two people chat, then validate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.clock import Clock, FixedClock
from peercet.settings import Settings
from tests import factories as f
from tests.browsers import async_chromium
from tests.live import cookie, pair, serve

pytestmark = pytest.mark.browser


async def open_page(
    browser: Browser, base: str, settings: Settings, rid: int, d: int, clock: Clock
) -> Page:
    context = await browser.new_context()
    name, value = cookie(settings, rid, clock).split("=", 1)
    await context.add_cookies([{"name": name, "value": value, "url": base}])
    page = await context.new_page()
    await page.goto(f"{base}/discussions/{d}")
    await expect(page.locator("#connection")).to_have_text("Connected")
    return page


async def say(page: Page, text: str, prompt: str) -> None:
    await page.select_option("#prompt-choice", label=prompt)
    await page.fill("#body", text)
    await page.click("#composer button")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_two_people_chat_on_every_prompt_and_validate(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await pair(sessions)
    clock = FixedClock(f.T0 + timedelta(days=1))
    with serve(settings, clock) as base:
        async with async_chromium() as browser:
            alice = await open_page(browser, base, settings, p.a, p.discussion, clock)
            bob = await open_page(browser, base, settings, p.b, p.discussion, clock)
            await expect(alice.locator("#peer-name")).to_have_text("Bob Baker")
            await expect(alice.locator("#peer-status")).to_have_text("online")
            await expect(alice.locator("#prompts li")).to_have_count(2)
            await say(alice, "Hello Bob, on the first prompt", "Prompt 0?")
            await expect(bob.locator("#messages li")).to_contain_text(["Hello Bob"])
            await expect(alice.locator("#messages li.state-sent")).to_have_count(1)
            await say(alice, "And the second", "Prompt 1?")
            await say(bob, "Agreed on one", "Prompt 0?")
            await say(bob, "And two", "Prompt 1?")
            await expect(alice.locator("#messages li")).to_have_count(4)
            await expect(bob.locator("#standing")).to_contain_text("both taken part")
            for page in (alice, bob):
                await page.fill("#reflection", "A useful exchange.")
                await page.click("#validate button")
            await expect(bob.locator("#validation-state")).to_contain_text("complete")
            await expect(alice.locator("#validation-state")).to_contain_text("complete")
            await expect(alice.locator("#body")).to_be_disabled()
