"""A dispute walked in real headless Chromium (DOMAIN.md rule 3): Alice says Bob did not
take part, Bob still confirms, a moderator reads the transcript and awards, and both
participants' pages show the outcome."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.actions import Post, store_messages
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.axe import assert_accessible
from tests.support.browsers import chromium, signed_in
from tests.support.factories import Room
from tests.support.live import serve
from tests.support.web_helpers import run_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
CLOCK = FixedClock(f.T0 + timedelta(days=1))


async def _seed(session: AsyncSession) -> Room:
    """Alice and Bob have each written on the one prompt."""
    room = await f.watched(session, title="Red eye triage", prompts=["What would you ask?"])
    did = room.discussion
    [prompt] = await f.prompt_ids(session, did)
    posts = [
        Post(did, room.alice, "a1", "I would ask about pain and photophobia.", prompt),
        Post(did, room.bob, "b1", "ok", prompt),
    ]
    await store_messages(session, posts, CLOCK.now())
    return room


@pytest.fixture
def room(settings: Settings) -> Room:
    return run_db(settings.database_url, _seed)


@pytest.fixture
def browser(room: Room) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def on_the_page(browser: Browser, base: str, settings: Settings, rid: int, did: int) -> Page:
    page = signed_in(browser, base, settings, rid, CLOCK)
    page.goto(f"{base}/discussions/{did}")
    expect(page.locator("#connection")).to_have_text("Connected")
    return page


def test_a_dispute_a_moderators_award_and_both_pages(
    settings: Settings, room: Room, browser: Browser
) -> None:
    with serve(settings, CLOCK) as base:
        alice = on_the_page(browser, base, settings, room.alice, room.discussion)
        bob = on_the_page(browser, base, settings, room.bob, room.discussion)
        expect(alice.locator("#standing")).to_contain_text("both taken part")

        alice.get_by_label("No, they did not").check()
        alice.get_by_label("Why do you say they did not take part?").fill("Bob only wrote ok")
        alice.get_by_role("button", name="Validate").click()
        state = alice.locator("#validation-state")
        expect(state).to_contain_text("You are back in the queue for a new partner")
        expect(alice.get_by_role("textbox", name="Message", exact=True)).to_be_disabled()
        assert_accessible(alice, "the disputer's discussion page")

        told = bob.locator("#validation-state")
        expect(told).to_contain_text("Your partner said you did not take part")
        expect(told).to_contain_text("you can still validate it")
        bob.get_by_label("Your reflection").fill("We covered what we would ask.")
        bob.get_by_role("button", name="Validate").click()
        expect(told).to_contain_text("A moderator will read the discussion and decide")
        expect(told).not_to_contain_text("you can still validate")
        expect(bob.locator("#validate")).to_be_hidden()

        mod = signed_in(browser, base, settings, room.moderator, CLOCK)
        mod.goto(f"{base}/moderation")
        expect(mod.locator("#disputes-waiting")).to_contain_text("1 disputed discussion waits")
        first_row = mod.get_by_role("table", name="Discussions").locator("tbody tr").first
        expect(first_row).to_contain_text("waits for a decision")
        first_row.get_by_role("link", name=f"Discussion {room.discussion}").click()
        expect(mod.get_by_role("log")).to_contain_text("pain and photophobia")
        expect(mod.locator(".dispute")).to_contain_text("Bob only wrote ok")
        assert_accessible(mod, "the moderator's page of a disputed discussion")
        mod.get_by_label("Award").check()
        mod.get_by_label("Reason for the decision").fill("Bob answered the prompt, briefly")
        mod.get_by_role("button", name="Record decision").click()
        expect(mod.locator("#console-status")).to_have_text(
            "Decision recorded; both participants are told."
        )
        expect(mod.locator("#state")).to_have_text("closed (dispute_awarded)")

        expect(told).to_contain_text("A moderator decided you took part")
        expect(told).to_contain_text("Bob answered the prompt, briefly")
        expect(state).to_contain_text("A moderator decided your partner took part")
        assert_accessible(bob, "the awarded participant's discussion page")

        bob.goto(f"{base}/account")
        expect(bob.get_by_role("main")).to_contain_text("Bob answered the prompt, briefly")
