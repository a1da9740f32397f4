"""Moderation over HTTP: moderators only, actions with reasons, the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from discussion import moderation
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.web_helpers import run_db
from web.app import create_app


async def _seed(url: str) -> int:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await f.registrant(session, role="moderator", email="mod@example.test")
        await f.registrant(session, email="reg@example.test")
        _, _, did = await f.pair(session, await f.course(session))
    await engine.dispose()
    return did


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, FixedClock(f.T0))) as client:
        yield client


def sign_in(client: TestClient, email: str) -> None:
    response = client.post("/api/session", json={"email": email, "password": f.PASSWORD})
    assert response.status_code == 200, response.text


def test_moderation_needs_a_moderator(client: TestClient, settings: Settings) -> None:
    did = asyncio.run(_seed(settings.database_url))
    paths = [
        ("GET", "/api/moderation/discussions"),
        ("GET", "/api/moderation/at-risk"),
        ("GET", "/api/moderation/audit"),
        ("POST", f"/api/moderation/discussions/{did}/close"),
    ]
    for method, path in paths:
        assert client.request(method, path, json={}).status_code == 401
    sign_in(client, "reg@example.test")
    for method, path in paths:
        response = client.request(method, path, json={})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "moderators_only"


def test_a_moderator_voids_a_discussion_with_a_reason(
    client: TestClient, settings: Settings
) -> None:
    did = asyncio.run(_seed(settings.database_url))
    sign_in(client, "mod@example.test")
    [listed] = client.get("/api/moderation/discussions?state=open").json()["discussions"]
    assert listed["id"] == did and len(listed["participants"]) == 2
    no_reason = client.post(f"/api/moderation/discussions/{did}/close", json={"outcome": "void"})
    assert no_reason.status_code == 400
    closed = client.post(
        f"/api/moderation/discussions/{did}/close", json={"outcome": "void", "reason": "abuse"}
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = client.post(
        f"/api/moderation/discussions/{did}/close", json={"outcome": "void", "reason": "abuse"}
    )
    assert again.status_code == 409
    [entry] = client.get("/api/moderation/audit").json()["entries"]
    assert (entry["action"], entry["subject"], entry["reason"]) == (
        "close_void",
        f"discussion:{did}",
        "abuse",
    )
    still_open = client.get("/api/moderation/discussions?state=open").json()["discussions"]
    assert did not in [d["id"] for d in still_open]  # (the two may be paired anew: none else waits)


def test_a_notice_appears_in_the_transcript_and_the_audit_log(
    client: TestClient, settings: Settings
) -> None:
    did = asyncio.run(_seed(settings.database_url))
    sign_in(client, "mod@example.test")
    url = f"/api/moderation/discussions/{did}/notices"
    assert client.post(url, json={"body": ""}).status_code == 400
    posted = client.post(url, json={"body": "Please keep to the prompts."})
    assert posted.status_code == 201
    frame = posted.json()
    assert (frame["kind"], frame["seq"], frame["body"]) == (
        "notice",
        1,
        "Please keep to the prompts.",
    )
    detail = client.get(f"/api/moderation/discussions/{did}").json()
    assert [(m["kind"], m["seq"]) for m in detail["messages"]] == [("notice", 1)]
    assert detail["reports"] == [] and len(detail["participants"]) == 2
    assert client.get("/api/moderation/audit").json()["entries"][0]["action"] == "notice"
    client.post(
        f"/api/moderation/discussions/{did}/close", json={"outcome": "repair", "reason": "swap"}
    )
    assert client.post(url, json={"body": "late"}).status_code == 409
    assert client.get("/api/moderation/discussions/99999").status_code == 404


def test_closing_a_discussion_older_than_the_list_answers_it(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def newer(session: AsyncSession) -> None:
        await f.pair(session, await f.course(session))

    older = asyncio.run(_seed(settings.database_url))
    run_db(settings.database_url, newer)
    monkeypatch.setattr(moderation, "WATCHED", 1)  # the list holds the newer one only
    sign_in(client, "mod@example.test")
    closed = client.post(
        f"/api/moderation/discussions/{older}/close", json={"outcome": "void", "reason": "old"}
    )
    assert closed.status_code == 200 and closed.json()["id"] == older
