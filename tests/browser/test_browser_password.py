"""The account page's password change in headless Chromium: a wrong current password
is said, a right one changes it, this browser stays signed in, another is signed out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.axe import assert_accessible
from tests.support.browsers import chromium, signed_in
from tests.support.live import serve
from tests.support.web_helpers import run_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def someone(settings: Settings) -> int:
    async def seed(session: AsyncSession) -> int:
        return (await f.registrant(session, name="Pat Person")).id

    return run_db(settings.database_url, seed)


@pytest.fixture
def browser(someone: int) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_registrant_changes_their_password(
    settings: Settings, someone: int, browser: Browser
) -> None:
    with serve(settings) as base:
        page = signed_in(browser, base, settings, someone)
        other = signed_in(browser, base, settings, someone)  # another device
        page.goto(f"{base}/account")
        assert_accessible(page, "account with password form")
        page.get_by_label("Current password").fill("not-my-password-1")
        page.get_by_label("New password").fill("a-new-pass-2026")
        page.get_by_role("button", name="Change password").click()
        expect(page.locator("#password-status")).to_have_text("the current password is wrong")
        page.get_by_label("Current password").fill(f.PASSWORD)
        page.get_by_label("New password").fill("a-new-pass-2026")
        page.get_by_role("button", name="Change password").click()
        expect(page.locator("#password-status")).to_have_text(
            "Password changed. Every other device has been signed out."
        )
        page.goto(f"{base}/account")
        expect(page.get_by_role("heading", name="My account")).to_be_visible()
        other.goto(f"{base}/account")
        expect(other).to_have_url(f"{base}/signin?next=/account")
