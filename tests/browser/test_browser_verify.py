"""The verification page in real headless Chromium: genuine, revoked and unknown, each
said plainly, accessible (axe-core) and within the CSP. With PEERCET_DOCS_SCREENSHOTS=1
it also refreshes docs/screenshots/verify.png and certificate.png (the PDF's page as
poppler renders it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.settings import Settings
from peercet.goc import certificates, verification
from peercet.goc.certificate_pdf import render_pdf
from tests.support import factories as f
from tests.support.axe import assert_accessible
from tests.support.browsers import chromium, csp_violations, watch_csp
from tests.support.live import serve
from tests.support.pdfs import page_png
from tests.support.services import ROOT
from tests.support.web_helpers import run_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
DOCS = ROOT / "docs" / "screenshots"


PROVIDER = {"provider_name": "Acme Optical CET", "provider_goc_id": "P-54321"}


@dataclass
class Issued:
    genuine: str
    revoked: str
    certificate: certificates.Certificate  # the genuine one's facts


async def _seed(session: AsyncSession, settings: Settings) -> Issued:
    course = await f.course(
        session, interactive=False, ref="C-10421", title="Glaucoma in community practice",
        competencies=["Ocular disease", "Communication"], points=2,
    )  # fmt: skip
    other = await f.course(session, interactive=False)
    who = await f.registrant(session, name="Siân Ó Súilleabháin 王小明", goc_number="01-23456")
    moderator = await f.registrant(session, role="moderator")
    genuine = await f.completion(session, who, course)
    withdrawn = await f.completion(session, who, other)
    row = await certificates.issue(session, genuine, f.T0)
    gone = await certificates.revoke(session, moderator, withdrawn.id, "in error", f.T0)
    facts = await certificates.facts(session, row, settings)
    return Issued(verification.display(row.code), verification.display(gone.code), facts)


@pytest.fixture
def provided(settings: Settings) -> Settings:
    return replace(settings, **PROVIDER)


@pytest.fixture
def issued(provided: Settings) -> Issued:
    async def seed(session: AsyncSession) -> Issued:
        return await _seed(session, provided)  # the settings the app is given

    return run_db(provided.database_url, seed)


@pytest.fixture
def browser(issued: Issued) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_verification_page_says_plainly_what_a_certificate_is(
    browser: Browser, provided: Settings, issued: Issued, tmp_path: Path
) -> None:
    with serve(provided) as base:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        watch_csp(page)
        page.goto(f"{base}/verify/{issued.genuine}")
        expect(page.get_by_role("heading", name="This certificate is genuine")).to_be_visible()
        expect(page.get_by_text("Siân Ó Súilleabháin 王小明")).to_be_visible()
        expect(page.get_by_text("Acme Optical CET (GOC approval number P-54321)")).to_be_visible()
        assert_accessible(page, "verify (genuine)")
        page.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
        page.goto(f"{base}/verify/{issued.revoked}")
        heading = page.get_by_role("heading", name="This certificate has been revoked")
        expect(heading).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("do not rely on it")
        assert_accessible(page, "verify (revoked)")
        page.goto(f"{base}/verify/AAAA-BBBB-CCCC-DDDD")
        expect(page.get_by_role("heading", name="Unknown certificate")).to_be_visible()
        assert_accessible(page, "verify (unknown)")
        assert csp_violations(page) == []
    if os.environ.get("PEERCET_DOCS_SCREENSHOTS") == "1":
        shutil.copy(tmp_path / "verify.png", DOCS / "verify.png")
        page_png(render_pdf(issued.certificate), DOCS / "certificate.png", dpi=80)
