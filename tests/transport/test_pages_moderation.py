"""The moderator console's pages: who may see them, and what they show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from discussion.actions import Post, report, store_messages, validate
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import DiscussionPrompt
from tests.support import factories as f
from tests.support.context import context
from tests.support.web_helpers import app_client, run_db
from web.pages.moderation import ago

PAGES = ["/moderation", "/moderation/at-risk", "/moderation/audit", "/moderation/cycle"]


@dataclass
class Seeded:
    quiet: int
    reported: int


async def _seed(session: AsyncSession) -> Seeded:
    await f.registrant(session, role="moderator", email="mod@example.test")
    await f.registrant(session, email="reg@example.test")
    course = await f.course(session, title="Red eye triage")
    _, _, quiet = await f.pair(session, course)
    first, _, reported = await f.pair(session, course)
    post = Post(reported, first.registrant_id, "m1", "something rude")
    await store_messages(session, [post], f.T0)
    await report(session, first.registrant_id, reported, "insulting words", 1, f.T0)
    return Seeded(quiet, reported)


def sign_in(client: TestClient, email: str) -> None:
    response = client.post("/api/session", json={"email": email, "password": f.PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_refuse_anonymous_and_registrants(settings: Settings) -> None:
    seeded = run_db(settings.database_url, _seed)
    pages = [*PAGES, f"/moderation/discussions/{seeded.quiet}"]
    with app_client(settings, follow_redirects=False) as client:
        for path in pages:
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/signin?next=")
        sign_in(client, "reg@example.test")
        for path in pages:
            response = client.get(path)
            assert response.status_code == 403 and "Not allowed" in response.text, path
        assert 'href="/moderation"' not in client.get("/account").text


def test_the_console_lists_filters_and_shows_reports(settings: Settings) -> None:
    seeded = run_db(settings.database_url, _seed)
    clock = FixedClock(f.T0 + timedelta(hours=5))
    with app_client(settings, clock) as client:
        sign_in(client, "mod@example.test")
        listing = client.get("/moderation").text
        assert f"Discussion {seeded.quiet}<" in listing and "5 hours ago" in listing
        assert 'href="/moderation"' in listing  # the base layout links the console
        only_reported = client.get("/moderation?reported=true").text
        assert f"Discussion {seeded.reported}<" in only_reported
        assert f"Discussion {seeded.quiet}<" not in only_reported
        assert "No discussions match" in client.get("/moderation?state=closed").text
        page = client.get(f"/moderation/discussions/{seeded.reported}").text
        assert "insulting words" in page and "<blockquote>something rude</blockquote>" in page
        assert 'label for="close-reason"' in page and 'label for="notice-body"' in page
        assert client.get("/moderation/discussions/999999").status_code == 404


def test_at_risk_and_audit_pages(settings: Settings) -> None:
    seeded = run_db(settings.database_url, _seed)
    clock = FixedClock(f.T0 + timedelta(days=12))
    with app_client(settings, clock) as client:
        sign_in(client, "mod@example.test")
        risky = client.get("/moderation/at-risk").text
        assert "quiet discussion" in risky and f"/moderation/discussions/{seeded.quiet}" in risky
        body = {"outcome": "void", "reason": "nobody turned up"}
        closing = client.post(f"/api/moderation/discussions/{seeded.quiet}/close", json=body)
        assert closing.status_code == 200
        audit = client.get("/moderation/audit").text
        assert "close_void" in audit and "nobody turned up" in audit
        assert '<time datetime="' in audit and " GMT</time>" in audit  # scheme time, readable


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(0, "just now"), (1, "1 minute ago"), (61, "1 hour ago"), (60 * 50, "2 days ago")],
)
def test_ago(minutes: int, shown: str) -> None:
    assert ago(f.T0 - timedelta(minutes=minutes), f.T0) == shown
    assert ago(None, f.T0) == "never"


async def _disputed_then_newer(session: AsyncSession) -> tuple[int, int]:
    """An older discussion whose first participant disputed, and a newer open one."""
    await f.registrant(session, role="moderator", email="mod@example.test")
    course = await f.course(session, prompts=["Only prompt?"])
    first, second, older = await f.pair(session, course)
    [prompt] = await session.scalars(
        select(DiscussionPrompt.id).where(DiscussionPrompt.discussion_id == older)
    )
    posts = [Post(older, c.registrant_id, f"m{c.id}", "said", prompt) for c in (first, second)]
    await store_messages(session, posts, f.T0)
    why = "They copied the course text"
    await validate(session, first.registrant_id, older, False, "", f.T0, context(), why)
    _, _, newer = await f.pair(session, course)
    return older, newer


def test_disputed_discussions_come_first_with_their_decision_form(settings: Settings) -> None:
    older, newer = run_db(settings.database_url, _disputed_then_newer)
    with app_client(settings) as client:
        sign_in(client, "mod@example.test")
        listing = client.get("/moderation").text
        assert listing.index(f"Discussion {older}<") < listing.index(f"Discussion {newer}<")
        assert "1 disputed discussion waits for a moderator" in listing
        assert "waits for a decision" in listing
        assert 'value="disputed"' in listing  # a state to filter by
        page = client.get(f"/moderation/discussions/{older}").text
        assert "They copied the course text" in page and 'id="decision"' in page
        body = {"award": False, "reason": "Both wrote too little"}
        decided = client.post(f"/api/moderation/discussions/{older}/decision", json=body)
        assert decided.status_code == 200
        page = client.get(f"/moderation/discussions/{older}").text
        assert 'id="decision"' not in page and "Reason: Both wrote too little" in page
        assert "closed (dispute_refused)" in page
        assert "waits for a decision" not in client.get("/moderation").text
