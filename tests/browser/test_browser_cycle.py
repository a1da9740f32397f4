"""The cycle dashboard in real headless Chromium: the demo registrant with a history
across two CET years signs in, opens the dashboard and sees the right totals, the
missing competencies and suggestions that cover them; axe-core finds nothing serious;
screenshots at desktop and phone size (docs/screenshots/ with PEERCET_DOCS_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.cli import demo
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support.axe import assert_accessible
from tests.support.browsers import chromium, csp_violations, watch_csp
from tests.support.context import context
from tests.support.live import serve
from tests.support.services import ROOT
from tests.support.web_helpers import run_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=ZoneInfo("Europe/London"))
SHOTS = ROOT / "var" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


async def _demo(session: AsyncSession) -> None:
    await demo.load(session, NOW, context())


@pytest.fixture
def browser(settings: Settings) -> Iterator[Browser]:
    """Chromium, started after the demo is loaded (asyncio.run outside its loop)."""
    run_db(settings.database_url, _demo)
    with chromium() as launched:
        yield launched


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    if os.environ.get("PEERCET_DOCS_SCREENSHOTS") == "1":
        shutil.copy(SHOTS / f"{name}.png", ROOT / "docs" / "screenshots" / f"{name}.png")


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill("olivia@demo.peercet.test")
    page.get_by_label("Password").fill("olivia-demo-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()


def test_the_demo_registrant_sees_her_cycle(settings: Settings, browser: Browser) -> None:
    with serve(settings, FixedClock(NOW)) as base:
        page = browser.new_page(viewport=DESKTOP)
        page.set_default_timeout(10_000)
        watch_csp(page)
        sign_in(page, base)
        page.get_by_role("link", name="My cycle").click()
        expect(page.get_by_role("heading", name="My CET cycle 2025-2027")).to_be_visible()
        expect(page.locator("#bar-points .figure")).to_have_text("6 of 36")
        expect(page.locator("#bar-interactive .figure")).to_have_text("2 of 18")
        expect(page.locator("#bar-points")).to_contain_text("due by now: 12")
        expect(page.locator("#cycle-status")).to_contain_text("You are behind")
        years = (("2025", "3", "1"), ("2026", "3", "1"), ("2027", "0", "0"))
        for year, points, interactive in years:
            cells = page.locator(f'tr[data-year="{year}"] td')
            expect(cells.nth(0)).to_have_text(points)
            expect(cells.nth(1)).to_have_text(interactive)
        expect(page.locator("#competency-count")).to_have_text(
            "6 of 8 competencies covered; missing: Professional conduct, Optical appliances."
        )
        expect(page.locator('[data-competency="Binocular vision"]')).to_contain_text("C-10452")
        expect(page.locator('[data-competency="Optical appliances"]')).to_contain_text("missing")
        suggested = page.get_by_role("list", name="Suggested courses").get_by_role("listitem")
        expect(suggested).to_have_count(2)
        expect(suggested.nth(0)).to_contain_text("C-10502")
        expect(suggested.nth(0)).to_contain_text("covers Optical appliances")
        expect(suggested.nth(1)).to_contain_text("covers Professional conduct")
        expect(page.locator("#uploads")).to_contain_text("1 point not yet uploaded")
        expect(page.locator("#uploads")).to_contain_text(
            "2 points of 2026 uploaded and waiting for you to accept them in MyGOC by midnight "
            "on 31 December 2026"
        )
        csv = page.get_by_role("link", name="Download my record (CSV)")
        expect(csv).to_have_attribute("href", "/api/me/record?cycle=2025-2027&format=csv")
        assert_accessible(page, "cycle")
        shot(page, "cycle-desktop")
        page.set_viewport_size(PHONE)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(page, "cycle on a phone")
        shot(page, "cycle-phone")
        suggested.nth(0).get_by_role("link").click()
        expect(page).to_have_url(f"{base}/courses/C-10502")
        assert csp_violations(page) == []
