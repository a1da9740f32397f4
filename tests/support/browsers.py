"""Debian's Chromium for the browser tests (Playwright cannot download browsers here)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from weakref import WeakKeyDictionary

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import ConsoleMessage as AsyncConsoleMessage
from playwright.async_api import Page as AsyncPage
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from peercet.core.clock import Clock
from peercet.core.settings import Settings
from tests.support.live import cookie

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying this closed network.
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@asynccontextmanager
async def async_chromium() -> AsyncIterator[AsyncBrowser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


def signed_in(
    browser: Browser, base: str, settings: Settings, rid: int, clock: Clock | None = None
) -> Page:
    """A fresh browser context holding `rid`'s session cookie (as signed on `clock`), its
    Content-Security-Policy watched."""
    name, token = cookie(settings, rid, clock).split("=", 1)
    context = browser.new_context()
    context.add_cookies([{"name": name, "value": token, "url": base}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch_csp(page)
    return page


_violations: WeakKeyDictionary[Page | AsyncPage, list[str]] = WeakKeyDictionary()


def watch_csp(page: Page | AsyncPage) -> list[str]:
    """Collect what the page's Content-Security-Policy blocks, as Chromium reports it on
    the console ("Refused to ... because it violates the following Content Security
    Policy directive"), across navigations; the list grows as the page runs."""
    seen = _violations.setdefault(page, [])

    def console(message: ConsoleMessage | AsyncConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", console)
    return seen


def csp_violations(page: Page | AsyncPage) -> list[str]:
    return _violations.get(page, [])
