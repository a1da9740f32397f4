"""The pages' one socket client (web/static/ws.js) in headless Chromium, on pages other than
the discussion page: the moderator's console rejoins `after` the last seq it saw when the
server closes its socket (1012, a restart) and loses nothing; a session ended elsewhere
(4401) sends the page to sign in; the registrant's own password change (4401, but this
browser holds the fresh cookie) does not, and the page's live socket comes back."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, WebSocketRoute, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.browsers import async_chromium, csp_violations, watch_csp
from tests.support.live import client, cookie, serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
CLOCK = FixedClock(f.T0 + timedelta(days=1))


@dataclass
class Served:
    base: str
    settings: Settings
    browser: Browser

    async def page(self, rid: int) -> Page:
        """A fresh browser context holding `rid`'s session cookie."""
        context = await self.browser.new_context()
        name, value = cookie(self.settings, rid, CLOCK).split("=", 1)
        await context.add_cookies([{"name": name, "value": value, "url": self.base}])
        page = await context.new_page()
        watch_csp(page)
        return page


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Served]:
    with serve(settings, CLOCK) as base:
        async with async_chromium() as browser:
            yield Served(base, settings, browser)


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def discussion_and_moderator(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[int, int, int]:
    """(a discussion, one of its participants, a moderator)."""
    async with sessions() as session, session.begin():
        course = await f.course(session, prompts=["What would you ask?"])
        first, _, did = await f.pair(session, course)
        moderator = await f.registrant(session, role="moderator", name="Maud Moderator")
        return did, first.registrant_id, moderator.id


async def test_the_console_rejoins_after_the_last_seq_it_saw_and_loses_nothing(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Message 1 is on the page as served, 2 comes live; the server closes the socket
    (1012) and the console stays away while 3 is said; back, it asks `after` 2 and shows 3."""
    did, writer, moderator = await discussion_and_moderator(sessions)
    joins: list[int] = []
    sockets: list[WebSocketRoute] = []
    away = [False]

    def consoles_socket(page_side: WebSocketRoute) -> None:
        if away[0]:
            page_side.close()  # no connection gets through
            return
        server = page_side.connect_to_server()
        sockets.append(page_side)

        def outgoing(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "join":
                joins.append(frame["after"])
            server.send(message)

        page_side.on_message(outgoing)

    async with served(settings) as s, client(s.base, settings, writer, clock=CLOCK) as ws:
        await ws.join(did)

        async def say(cmid: str, body: str) -> None:
            await ws.say(did, cmid, body)
            assert (await ws.expect("message"))["body"] == body  # stored

        await say("m1", "Said before the console opened")
        console = await s.page(moderator)
        await console.route_web_socket("**/ws", consoles_socket)
        await console.goto(f"{s.base}/moderation/discussions/{did}")
        await expect(console.locator("#connection")).to_have_text("Watching live")
        transcript = console.locator("#transcript li")
        await say("m2", "Said while the console watched")
        await expect(transcript).to_have_count(2)
        away[0] = True
        await sockets[-1].close(code=1012, reason="service restart")
        await expect(console.locator("#connection")).to_have_text("Reconnecting…")
        await say("m3", "Said while the console was away")
        away[0] = False
        await expect(transcript).to_have_count(3, timeout=15_000)
        await expect(console.locator("#connection")).to_have_text("Watching live")
        seqs = await transcript.evaluate_all("els => els.map((e) => e.dataset.seq)")
        assert seqs == ["1", "2", "3"]
        await expect(transcript.nth(2)).to_contain_text("Said while the console was away")
        assert joins == [1, 2] and len(sockets) == 2
        assert csp_violations(console) == []


async def test_a_session_ended_elsewhere_sends_the_console_to_sign_in(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    did, _, moderator = await discussion_and_moderator(sessions)
    async with served(settings) as s:
        console = await s.page(moderator)
        await console.goto(f"{s.base}/moderation/discussions/{did}")
        await expect(console.locator("#connection")).to_have_text("Watching live")
        elsewhere = await s.page(moderator)  # another device signs out: every session ends
        answer = await elsewhere.request.delete(f"{s.base}/api/session")
        assert answer.status == 204
        await expect(console).to_have_url(f"{s.base}/signin?next=/moderation/discussions/{did}")
        await expect(console.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_your_own_password_change_keeps_the_live_page_signed_in_and_following(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The account page follows its open completion live; the change closes that socket
    (4401, the old session's) and the page, holding the fresh cookie, connects again."""
    async with sessions() as session, session.begin():
        someone = await f.registrant(session, name="Pat Person")
        await f.completion(session, someone, await f.course(session))
        rid = someone.id
    sockets: list[WebSocketRoute] = []

    def accounts_socket(page_side: WebSocketRoute) -> None:
        page_side.connect_to_server()
        sockets.append(page_side)

    async with served(settings) as s:
        page = await s.page(rid)
        await page.route_web_socket("**/ws", accounts_socket)
        await page.goto(f"{s.base}/account")
        await expect(page.locator("body[data-live]")).to_have_count(1)
        await eventually(lambda: len(sockets) == 1)
        await page.get_by_label("Current password").fill(f.PASSWORD)
        await page.get_by_label("New password").fill("a-new-pass-2026")
        await page.get_by_role("button", name="Change password").click()
        await expect(page.locator("#password-status")).to_have_text(
            "Password changed. Every other device has been signed out."
        )
        await eventually(lambda: len(sockets) == 2)
        await page.wait_for_timeout(500)
        assert page.url == f"{s.base}/account"
        assert csp_violations(page) == []
