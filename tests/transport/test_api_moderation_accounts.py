"""Moderators and accounts: correcting a GOC number (audited, never onto another's),
disabling and re-enabling an account, finding the accounts that share a number."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.factories import PASSWORD
from tests.support.web_helpers import app_client, error_code, run_db
from web.auth import COOKIE

M = "/api/moderation/registrants"


@dataclass
class People:
    moderator: int
    ann: int
    bob: int
    emails: dict[int, str]


@pytest.fixture
def people(settings: Settings) -> People:
    async def seed(session: AsyncSession) -> People:
        mod = await f.registrant(session, role="moderator", goc_number="01-90000")
        ann = await f.registrant(session, goc_number="01-11111", name="Ann Able")
        bob = await f.registrant(session, goc_number="01-22222", name="Bob Baker")
        return People(mod.id, ann.id, bob.id, {p.id: p.email for p in (mod, ann, bob)})

    return run_db(settings.database_url, seed)


@pytest.fixture
def moderator(settings: Settings, people: People) -> Iterator[TestClient]:
    with app_client(settings) as client:
        signed = {"email": people.emails[people.moderator], "password": PASSWORD}
        assert client.post("/api/session", json=signed).status_code == 200
        yield client


def test_a_moderator_corrects_a_number_with_a_reason(moderator: TestClient, people: People) -> None:
    url = f"{M}/{people.bob}"
    no_reason = moderator.patch(url, json={"goc_number": "01-33333"})
    assert no_reason.status_code == 400 and error_code(no_reason) == "reason_required"
    bad = moderator.patch(url, json={"goc_number": "33333", "reason": "typo"})
    assert bad.status_code == 400 and error_code(bad) == "invalid_goc_number"
    taken = moderator.patch(url, json={"goc_number": "01 11111", "reason": "typo"})
    assert taken.status_code == 409 and error_code(taken) == "goc_number_taken"
    fixed = moderator.patch(url, json={"goc_number": "0133333", "reason": "as on the register"})
    assert fixed.status_code == 200 and fixed.json()["goc_number"] == "01-33333"
    again = moderator.patch(url, json={"goc_number": "01-33333", "reason": "again"})
    assert again.status_code == 200  # unchanged: nothing to audit
    entries = moderator.get("/api/moderation/audit").json()["entries"]
    corrections = [e for e in entries if e["action"] == "correct_goc_number"]
    assert len(corrections) == 1
    [entry] = corrections
    assert entry["subject"] == f"registrant:{people.bob}"
    assert entry["reason"] == "as on the register"
    assert entry["details"] == {"old": "01-22222", "new": "01-33333"}
    assert entry["actor"] == f"moderator:{people.moderator}"
    assert (
        moderator.patch(f"{M}/999999", json={"goc_number": "01-4444", "reason": "x"}).status_code
        == 404
    )


def test_a_disabled_account_is_signed_out_and_cannot_sign_in_until_enabled(
    settings: Settings, moderator: TestClient, people: People
) -> None:
    ann = {"email": people.emails[people.ann], "password": PASSWORD}
    with app_client(settings) as client:
        assert client.post("/api/session", json=ann).status_code == 200
        assert moderator.post(f"{M}/{people.ann}/disable", json={}).status_code == 400
        disabled = moderator.post(f"{M}/{people.ann}/disable", json={"reason": "impostor"})
        assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
        assert client.get("/api/me").status_code == 401
        refused = client.post("/api/session", json=ann)
        assert refused.status_code == 403 and error_code(refused) == "account_disabled"
        twice = moderator.post(f"{M}/{people.ann}/disable", json={"reason": "again"})
        assert twice.status_code == 200  # already disabled: no second entry
        enabled = moderator.post(f"{M}/{people.ann}/enable", json={"reason": "cleared"})
        assert enabled.status_code == 200 and enabled.json()["disabled_at"] is None
        assert client.post("/api/session", json=ann).status_code == 200
    myself = moderator.post(f"{M}/{people.moderator}/disable", json={"reason": "x"})
    assert myself.status_code == 409 and error_code(myself) == "cannot_disable_self"
    assert moderator.cookies.get(COOKIE) and moderator.get("/api/me").status_code == 200
    actions = [e["action"] for e in moderator.get("/api/moderation/audit").json()["entries"]]
    assert actions.count("disable_account") == 1 and actions.count("enable_account") == 1


def test_moderators_find_accounts_by_any_way_of_writing_the_number(
    moderator: TestClient, people: People
) -> None:
    for q in ("01 11111", "0111111", "ann able", people.emails[people.ann].upper()):
        found = moderator.get(M, params={"q": q}).json()["registrants"]
        assert [r["id"] for r in found] == [people.ann], q
    assert moderator.get(M, params={"q": "x" * 201}).status_code == 400
    assert moderator.get(M, params={"flagged": "true"}).json()["registrants"] == []
