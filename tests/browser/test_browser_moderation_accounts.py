"""The moderator console's accounts page in headless Chromium: accounts sharing a GOC
number flagged first, a number corrected, an account disabled, each in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.settings import Settings
from peercet.core.tables import Registrant
from tests.support import factories as f
from tests.support.axe import assert_accessible
from tests.support.browsers import chromium, signed_in
from tests.support.live import serve
from tests.support.web_helpers import run_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@dataclass
class Accounts:
    moderator: int
    holder: int
    late: int


async def _seed(session: AsyncSession) -> Accounts:
    """Two accounts on one number, as migration 0006 finds them (the later one flagged)."""
    moderator = await f.registrant(session, role="moderator", name="Maud Moderator")
    holder = await f.registrant(session, name="Hana Holder", goc_number="01-12345")
    late = await f.registrant(session, name="Lee Later", goc_number="01-99999")
    await f.registrant(session, name="Olu Other")
    await session.execute(
        update(Registrant)
        .where(Registrant.id == late.id)
        .values(goc_number="01-12345", goc_number_duplicate=1)
    )
    return Accounts(moderator.id, holder.id, late.id)


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    return run_db(settings.database_url, _seed)


@pytest.fixture
def browser(accounts: Accounts) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_moderator_sorts_out_a_shared_number(
    settings: Settings, accounts: Accounts, browser: Browser
) -> None:
    with serve(settings) as base:
        page = signed_in(browser, base, settings, accounts.moderator)
        page.goto(f"{base}/moderation")
        page.get_by_role("link", name="Accounts").click()
        rows = page.locator("tbody tr")
        expect(rows.nth(0).get_by_text("shared")).to_be_visible()  # flagged come first
        expect(rows.nth(1).get_by_text("shared")).to_be_visible()
        assert_accessible(page, "moderation accounts")
        late = page.locator(f'tr[data-registrant="{accounts.late}"]')
        late.get_by_label("New number").fill("01 54321")
        late.get_by_label("Reason").first.fill("as on the GOC register")
        late.get_by_role("button", name="Correct").click()
        expect(page.locator("#accounts-status")).to_have_text("Lee Later: GOC number now 01-54321.")
        expect(late.locator(".goc-number")).to_have_text("01-54321")
        holder = page.locator(f'tr[data-registrant="{accounts.holder}"]')
        holder.get_by_label("New number").fill("01-54321")
        holder.get_by_label("Reason").first.fill("trying")
        holder.get_by_role("button", name="Correct").click()
        expect(page.locator("#accounts-status")).to_contain_text("already exists")
        holder.locator("form.account-access").get_by_label("Reason").fill("impostor")
        holder.get_by_role("button", name="Disable").click()
        expect(holder.locator(".account-state")).to_have_text("disabled")
        expect(holder.get_by_role("button", name="Enable")).to_be_visible()
        page.reload()
        expect(page.get_by_text("shared")).to_have_count(0)
        page.get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("cell", name="correct_goc_number")).to_be_visible()
        expect(page.get_by_role("cell", name="disable_account")).to_be_visible()
