"""The moderator console in real headless Chromium, with both participants in their own
browser contexts: a message seen live, a notice both see, a report, a void."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.browsers import chromium, csp_violations, signed_in
from tests.support.factories import Room
from tests.support.live import serve
from tests.support.web_helpers import run_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def _seed(session: AsyncSession) -> Room:
    return await f.watched(session, title="Red eye triage", prompts=["What would you ask?"])


@pytest.fixture
def room(settings: Settings) -> Room:
    return run_db(settings.database_url, _seed)


@pytest.fixture
def browser(room: Room) -> Iterator[Browser]:
    """Chromium, started after the seeding (asyncio.run must not be inside its loop)."""
    with chromium() as launched:
        yield launched


def open_room(page: Page, base: str, room: Room) -> None:
    page.goto(f"{base}/discussions/{room.discussion}")
    expect(page.locator("#connection")).to_have_text("Connected")


def test_a_moderator_watches_steps_in_and_voids(
    settings: Settings, room: Room, browser: Browser
) -> None:
    with serve(settings) as base:
        mod = signed_in(browser, base, settings, room.moderator)
        mod.goto(f"{base}/moderation")
        mod.get_by_role("link", name=f"Discussion {room.discussion}").click()
        expect(mod.locator("#connection")).to_have_text("Watching live")

        alice = signed_in(browser, base, settings, room.alice)
        bob = signed_in(browser, base, settings, room.bob)
        for page in (alice, bob):
            open_room(page, base, room)
            expect(page.get_by_text("A moderator is watching this discussion.")).to_be_visible()

        said = "I would ask about pain and photophobia."
        alice.get_by_role("textbox", name="Message", exact=True).fill(said)
        alice.get_by_role("button", name="Send", exact=True).click()
        transcript = mod.get_by_role("log")
        expect(transcript).to_contain_text("I would ask about pain and photophobia.")
        expect(mod.locator("#participants")).to_contain_text("online")

        mod.get_by_label("Notice to both participants").fill("Please keep to the prompts.")
        mod.get_by_role("button", name="Post notice").click()
        expect(mod.get_by_role("status").filter(has_text="Notice posted.")).to_be_visible()
        for page in (alice, bob):
            notice = page.locator("#messages li.notice")
            expect(notice).to_contain_text("Please keep to the prompts.")
            expect(notice).to_contain_text("Moderator notice")

        bob.get_by_role("button", name="Report message 1").click()
        bob.get_by_label("Reason", exact=True).fill("Off topic, I think")
        bob.get_by_role("button", name="Send report").click()
        expect(bob.locator("#report-state")).to_contain_text("Report received")

        mod.reload()
        expect(mod.locator(".report")).to_contain_text("Off topic, I think")
        expect(mod.locator(".report blockquote")).to_have_text(
            "I would ask about pain and photophobia."
        )
        mod.get_by_label("Outcome of report").fill("Spoke to both; fine")
        mod.get_by_role("button", name="Resolve").click()
        expect(mod.locator(".report .done")).to_have_text("Resolved: Spoke to both; fine")

        mod.get_by_label("Void").check()
        mod.get_by_label("Reason for closing").fill("Registrants asked to start again")
        mod.get_by_role("button", name="Close discussion").click()
        expect(mod.locator("#state")).to_have_text("closed (voided)")
        for page in (alice, bob):
            expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_disabled()

        mod.get_by_role("link", name="Audit log").click()
        rows = mod.get_by_role("table", name="Audit log")
        expect(rows).to_contain_text("close_void")
        expect(rows).to_contain_text("Registrants asked to start again")
        expect(rows).to_contain_text("resolve_report")
        expect(rows).to_contain_text("notice")
        for page in (mod, alice, bob):  # every page worked under its CSP
            assert csp_violations(page) == []
