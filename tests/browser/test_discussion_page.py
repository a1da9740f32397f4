"""The discussion page in headless Chromium: two people chat, then validate."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, Page, WebSocketRoute, expect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.opening import close_discussions
from peercet.core.clock import Clock, FixedClock
from peercet.core.publish import RedisPublisher
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.browsers import async_chromium, csp_violations, watch_csp
from tests.support.context import links
from tests.support.factories import paired
from tests.support.live import client, cookie, serve

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
    p = await paired(sessions)
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
            await close_discussions(session, [did], "voided", f.T0 + timedelta(days=1), links())
        away[0] = False
        await expect(alice.locator("#connection")).to_have_text("Connected", timeout=15_000)
        await expect(alice.locator("#body")).to_be_disabled()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_page_says_when_the_discussion_closes_with_a_countdown(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Closes at the pair's deadline (both passed at T0: T0 + 14 days, 09:00 GMT), 13 days
    from the day after pairing; the line goes once the discussion is over."""
    async with alice_and_bob(settings, sessions) as (alice, _):
        await alice.clock.set_fixed_time(f.T0 + timedelta(days=1))  # the server's clock
        await alice.reload()
        await expect(alice.locator("#connection")).to_have_text("Connected")
        closes = alice.locator("#closes")
        await expect(closes).to_be_visible()
        await expect(alice.locator("#closes-at")).to_contain_text("16 March 2026")
        await expect(alice.locator("#closes-at")).to_contain_text("09:00")
        await expect(alice.locator("#closes-left")).to_have_text("13 days left")
        did = int(alice.url.rsplit("/", 1)[1])
        async with sessions() as session, session.begin():
            aftermath = await close_discussions(
                session, [did], "voided", f.T0 + timedelta(days=1), links()
            )
        redis = Redis.from_url(settings.redis_url)
        try:  # the `closed` event, as the edge publishes it after the commit
            await RedisPublisher(redis).deliver(aftermath.deliveries)
        finally:
            await redis.aclose()
        await expect(closes).to_be_hidden()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_peer_who_sends_your_client_msg_id_neither_delivers_nor_hides_your_message(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Alice's acknowledgement is held back; meanwhile Bob, over a raw socket, sends a
    message with her pending message's client_msg_id. Hers stays pending, his is shown
    as his; once her acknowledgement arrives, both are shown, once each."""
    p = await paired(sessions)
    clock = FixedClock(f.T0 + timedelta(days=1))
    sent: list[str] = []
    held: list[str | bytes] = []
    pages: list[WebSocketRoute] = []

    def alices_socket(page_side: WebSocketRoute) -> None:
        server = page_side.connect_to_server()
        pages.append(page_side)

        def outgoing(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "say":
                sent.append(frame["client_msg_id"])
            server.send(message)

        def incoming(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "message" and frame["author"] == p.a and not pages[1:]:
                held.append(message)  # her acknowledgement, held back
            else:
                page_side.send(message)

        page_side.on_message(outgoing)
        server.on_message(incoming)

    with serve(settings, clock) as base:
        async with async_chromium() as browser, client(base, settings, p.b, clock=clock) as bob:
            alice = await open_page(
                browser, base, settings, p.a, p.discussion, clock, alices_socket
            )
            await say(alice, "Alice's own words", "Prompt 0?")
            mine, messages = alice.locator("#messages li.mine"), alice.locator("#messages li")
            await expect(mine).to_have_class(re.compile(r"\bstate-sending\b"))
            await bob.say(p.discussion, sent[0], "Bob reuses the id", p.prompts[0])
            assert (await bob.expect("message"))["author"] == p.b
            theirs = alice.locator("#messages li:not(.mine)")
            await expect(theirs).to_contain_text("Bob Baker")
            await expect(theirs).to_contain_text("Bob reuses the id")
            await expect(messages).to_have_count(2)
            await expect(mine).to_contain_text("Alice's own words")
            await expect(mine).to_have_class(re.compile(r"\bstate-sending\b"))  # not sent
            assert len(held) == 1
            pages.append(pages[0])  # from now on nothing is held
            pages[0].send(held[0])
            await expect(mine).to_have_class(re.compile(r"\bstate-sent\b"))
            await expect(messages).to_have_count(2)
            texts = await messages.all_inner_texts()
            assert sum("Alice's own words" in t for t in texts) == 1
            assert sum("Bob reuses the id" in t for t in texts) == 1
