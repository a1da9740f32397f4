"""The invitation and waiting endpoints, through the real app (TestClient)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import update
from starlette.testclient import TestClient

from peercet.completions.lifecycle import DISCUSSION_WINDOW
from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.core.tables import Course
from tests.support import factories as f
from web.app import create_app


@dataclass
class Setup:
    waiting: int  # signed-in registrant's completion, seeking a peer
    fresh: int  # signed-in registrant's completion, awaiting the choice
    others: int  # someone else's completion
    course_id: int
    email: str


async def _setup(database_url: str) -> Setup:
    engine = create_engine(database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            me = await f.registrant(session)
            course, other_course = await f.course(session), await f.course(session)
            waiting = await f.waiting(session, me, course)  # Redis not told
            fresh = await f.passed(session, other_course, who=me)
            others = await f.passed(session, course)
            return Setup(waiting.id, fresh.id, others.id, course.id, me.email)
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(f.T0)


@pytest.fixture
def client_and(settings: Settings, clock: FixedClock) -> Iterator[tuple[TestClient, Setup]]:
    setup = asyncio.run(_setup(settings.database_url))
    app = create_app(settings, clock)
    with TestClient(app) as client:
        response = client.post(
            "/api/session", json={"email": setup.email, "password": "correct-horse-1"}
        )
        assert response.status_code == 200
        yield client, setup


def _queue(settings: Settings, course_id: int) -> list[bytes]:
    redis = Redis.from_url(settings.redis_url)
    try:
        return list(redis.zrange(keys.course_queue(course_id), 0, -1))
    finally:
        redis.close()


def test_start_up_rebuilds_the_queue_and_waiting_is_shown(
    client_and: tuple[TestClient, Setup], settings: Settings
) -> None:
    client, s = client_and
    assert [m.split(b":")[0] for m in _queue(settings, s.course_id)] == [str(s.waiting).encode()]
    view = client.get(f"/api/completions/{s.waiting}/waiting").json()
    assert view["waiting"] is True and view["others_waiting"] == 0
    assert view["waiting_since"] == f.T0.isoformat()
    assert view["deadline"] == (f.T0 + DISCUSSION_WINDOW).isoformat()
    page = client.get(f"/completions/{s.waiting}/waiting")
    assert page.status_code == 200 and "Waiting for a discussion partner" in page.text


def test_invite_then_cancel(client_and: tuple[TestClient, Setup], settings: Settings) -> None:
    client, s = client_and
    url = f"/api/completions/{s.waiting}/invitations"
    created = client.post(url, json={"email": "colleague@example.test"})
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "pending" and body["email"] == "colleague@example.test"
    assert _queue(settings, s.course_id) == []  # out of the public queue
    shown = client.get(f"/api/completions/{s.waiting}/waiting").json()
    assert shown["invitation"]["id"] == body["id"]
    assert client.post(url, json={"goc_number": "01-99999"}).status_code == 409
    assert client.delete(f"{url}/{body['id']}").status_code == 204
    assert len(_queue(settings, s.course_id)) == 1  # back, at the same deadline
    assert client.delete(f"{url}/{body['id']}").status_code == 409
    assert client.delete(f"{url}/987654").status_code == 404


@pytest.mark.parametrize(
    ("which", "body", "status"),
    [
        ("fresh", {"email": "colleague@example.test"}, 409),  # not seeking a peer
        ("waiting", {"email": "SELF"}, 400),
        ("waiting", {"email": "x@example.test", "goc_number": "01-12345"}, 400),
        ("waiting", {"goc_number": "nonsense"}, 400),
        ("others", {"email": "colleague@example.test"}, 404),
        ("missing", {"email": "colleague@example.test"}, 404),
    ],
)
def test_invitation_refusals(
    client_and: tuple[TestClient, Setup], which: str, body: dict[str, str], status: int
) -> None:
    client, s = client_and
    completion = {"fresh": s.fresh, "waiting": s.waiting, "others": s.others}.get(which, 10**6)
    if body.get("email") == "SELF":
        body = {"email": s.email.upper()}
    response = client.post(f"/api/completions/{completion}/invitations", json=body)
    assert response.status_code == status
    assert "code" in response.json()["error"]


def test_signed_out_is_401(client_and: tuple[TestClient, Setup]) -> None:
    client, s = client_and
    client.delete("/api/session")
    client.cookies.clear()
    assert client.get(f"/api/completions/{s.waiting}/waiting").status_code == 401


async def _others(database_url: str, course_id: int) -> dict[str, dict[str, str]]:
    """Colleagues of every kind: one with an account, one already waiting for the course,
    one whose profession cannot take it; and addresses nobody has."""
    engine = create_engine(database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            course = await session.get_one(Course, course_id)
            known = await f.registrant(session)
            waiter = await f.registrant(session)
            await f.waiting(session, waiter, course)
            other = await f.registrant(session)
            other.profession = "contact_lens_optician"
            await session.execute(
                update(Course).where(Course.id == course_id).values(professions=["optometrist"])
            )
            return {
                "unknown email": {"email": "nobody@example.test"},
                "unknown GOC number": {"goc_number": "07-77777"},
                "known email": {"email": known.email.upper()},
                "known GOC number": {"goc_number": f" {known.goc_number} "},
                "not for their profession": {"goc_number": other.goc_number},
                "already waiting": {"email": waiter.email},  # last: it pairs
            }
    finally:
        await engine.dispose()


def test_the_answer_is_the_same_whatever_the_address(
    client_and: tuple[TestClient, Setup], settings: Settings
) -> None:
    client, s = client_and
    targets = asyncio.run(_others(settings.database_url, s.course_id))
    url = f"/api/completions/{s.waiting}/invitations"
    shapes = set()
    for name, body in targets.items():
        response = client.post(url, json=body)
        assert response.status_code == 201, name
        answer = response.json()
        shapes.add((tuple(sorted(answer)), answer["state"], answer["expires_at"]))
        if name != "already waiting":
            assert client.delete(f"{url}/{answer['id']}").status_code == 204
    assert shapes == {
        (
            ("completion_id", "created_at", "email", "expires_at", "goc_number", "id", "state"),
            "pending",
            (f.T0 + timedelta(hours=72)).isoformat(),
        )
    }
    # the one already waiting was paired after the answer, not in it
    assert client.get(f"/api/completions/{s.waiting}").json()["state"] == "in_discussion"


def test_inviting_oneself_by_goc_number_however_written_is_400(
    client_and: tuple[TestClient, Setup],
) -> None:
    client, s = client_and
    me = client.get("/api/me").json()["registrant"]["goc_number"]
    for written in (me, f"  {me} ", me.replace("-", " - ")):
        response = client.post(
            f"/api/completions/{s.waiting}/invitations", json={"goc_number": written}
        )
        assert response.status_code == 400 and response.json()["error"]["code"] == (
            "self_invitation"
        )


def test_at_most_ten_invitations_in_24_hours(
    client_and: tuple[TestClient, Setup], clock: FixedClock
) -> None:
    client, s = client_and
    url = f"/api/completions/{s.waiting}/invitations"
    for n in range(10):
        clock.at = f.T0 + timedelta(hours=n)
        created = client.post(url, json={"email": f"colleague{n}@example.test"})
        assert created.status_code == 201
        assert client.delete(f"{url}/{created.json()['id']}").status_code == 204
    refused = client.post(url, json={"email": "one-more@example.test"})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert refused.headers["retry-after"] == str(15 * 3600)  # the first ages out at T0+24h
    clock.at = f.T0 + timedelta(hours=24)
    assert client.post(url, json={"email": "one-more@example.test"}).status_code == 201
