"""The discussion page in headless Chromium: two people chat, then validate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, Page, WebSocketRoute, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.clock import Clock, FixedClock
from peercet.rooms import close_discussions
from peercet.settings import Settings
from tests import factories as f
from tests.browsers import async_chromium, csp_violations, watch_csp
from tests.live import cookie, pair, serve

pytestmark = pytest.mark.browser


async def open_page(
    browser: Browser,
    base: str,
    settings: Settings,
    rid: int,
    d: int,
    clock: Clock,
    socket: Callable[[WebSocketRoute], Any] | None = None,
) -> Page:
    """The discussion page, signed in as `rid`; `socket` stands between it and /ws."""
    context = await browser.new_context()
    name, value = cookie(settings, rid, clock).split("=", 1)
    await context.add_cookies([{"name": name, "value": value, "url": base}])
    page = await context.new_page()
    watch_csp(page)
    if socket is not None:
        await page.route_web_socket("**/ws", socket)
    await page.goto(f"{base}/discussions/{d}")
    await expect(page.locator("#connection")).to_have_text("Connected")
    return page


@asynccontextmanager
async def alice_and_bob(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    alices_socket: Callable[[WebSocketRoute], Any] | None = None,
) -> AsyncIterator[tuple[Page, Page]]:
    """The two participants of a new discussion, each on its page, the day after pairing."""
    p = await pair(sessions)
    clock = FixedClock(f.T0 + timedelta(days=1))
    with serve(settings, clock) as base:
        async with async_chromium() as browser:
            alice = await open_page(
                browser, base, settings, p.a, p.discussion, clock, alices_socket
            )
            yield alice, await open_page(browser, base, settings, p.b, p.discussion, clock)


async def say(page: Page, text: str, prompt: str) -> None:
    await page.select_option("#prompt-choice", label=prompt)
    await page.fill("#body", text)
    await page.click("#composer button")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_two_people_chat_on_every_prompt_and_validate(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with alice_and_bob(settings, sessions) as (alice, bob):
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
        assert csp_violations(alice) == csp_violations(bob) == []  # the page under its CSP


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_message_the_server_could_not_store_shows_failed_and_retry_sends_it_once(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    refused: list[str] = []

    def refuse_the_first_say(page_side: WebSocketRoute) -> None:
        """Answer the first `say` as a server whose database failed (`unavailable`)."""
        server = page_side.connect_to_server()

        def outgoing(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "say" and not refused:
                refused.append(frame["client_msg_id"])
                error = {"type": "error", "code": "unavailable", "message": "try again",
                         "client_msg_id": refused[0]}  # fmt: skip
                page_side.send(json.dumps(error))
            else:
                server.send(message)

        page_side.on_message(outgoing)

    async with alice_and_bob(settings, sessions, refuse_the_first_say) as (alice, bob):
        await say(alice, "Lost the first time", "Prompt 0?")
        failed = alice.locator("#messages li.state-failed")
        await expect(failed).to_contain_text("Lost the first time")
        await expect(alice.locator("#announcer")).to_have_text(
            "A message was not sent (try again). You can retry it."
        )
        await failed.get_by_role("button", name="Retry").click()
        await expect(alice.locator("#messages li.state-sent")).to_have_count(1)
        await expect(alice.locator("#messages li")).to_have_count(1)
        await expect(bob.locator("#messages li")).to_contain_text(["Lost the first time"])
        await expect(bob.locator("#messages li")).to_have_count(1)
    assert len(refused) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_what_changed_while_the_socket_was_away_shows_on_reconnect(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The `closed` event is missed while Alice is offline; `joined` on her return
    carries the discussion's state, and the page shows it closed."""
    sockets: list[WebSocketRoute] = []
    away = [False]

    def alices_socket(page_side: WebSocketRoute) -> None:
        if away[0]:
            page_side.close()  # no connection gets through
            return
        page_side.connect_to_server()
        sockets.append(page_side)

    async with alice_and_bob(settings, sessions, alices_socket) as (alice, _):
        await expect(alice.locator("#body")).to_be_enabled()
        away[0] = True
        await sockets[-1].close()
        await expect(alice.locator("#connection")).to_contain_text("Reconnecting")
        did = int(alice.url.rsplit("/", 1)[1])
        async with sessions() as session, session.begin():
            await close_discussions(session, [did], "voided", f.T0 + timedelta(days=1))
        away[0] = False
        await expect(alice.locator("#connection")).to_have_text("Connected", timeout=15_000)
        await expect(alice.locator("#body")).to_be_disabled()
