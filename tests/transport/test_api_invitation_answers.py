"""The invitee's side (matching/answering.py) through the app: the invitations that name
me, and accepting one; 403 not_for_profession for whoever cannot take the course."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from matching.invitation_rules import LIFETIME
from matching.invitations import Target
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, Registrant
from tests.support import factories as f
from tests.support.live import cookie
from web.app import create_app


@dataclass
class Invited:
    inviter_completion: int
    invitee: int  # an optometrist who has not passed the course yet
    optician: int  # named by another invitation; the course is not for opticians
    stranger: int  # named by none
    course_id: int
    to_invitee: int
    to_optician: int


async def _seed(database_url: str) -> Invited:
    engine = create_engine(database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            course = await f.course(session, professions=["optometrist"])
            inviters = [
                await f.waiting(session, await f.registrant(session), course) for _ in range(2)
            ]
            invitee, optician = await f.registrant(session), await f.registrant(session)
            optician.profession = "dispensing_optician"
            stranger = await f.registrant(session)
            ids = []
            for completion, named in zip(inviters, (invitee, optician), strict=True):
                target = Target(goc_number=named.goc_number)
                invitation, _ = await f.invitation(session, completion, target)
                ids.append(invitation.id)
            return Invited(inviters[0].id, invitee.id, optician.id, stranger.id, course.id, *ids)
    finally:
        await engine.dispose()


async def _pass(database_url: str, registrant_id: int, course_id: int) -> int:
    engine = create_engine(database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            course = await session.get_one(Course, course_id)
            who = await session.get_one(Registrant, registrant_id)
            return (await f.passed(session, course, f.T0, who)).id
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(f.T0 + timedelta(hours=1))


@pytest.fixture
def app(settings: Settings, clock: FixedClock) -> Iterator[tuple[TestClient, Invited]]:
    seeded = asyncio.run(_seed(settings.database_url))
    with TestClient(create_app(settings, clock)) as client:
        yield client, seeded


def _as(settings: Settings, clock: FixedClock, rid: int) -> dict[str, str]:
    return {"Cookie": cookie(settings, rid, clock)}


def test_the_invitee_sees_and_accepts_once_they_have_passed(
    app: tuple[TestClient, Invited], settings: Settings, clock: FixedClock
) -> None:
    client, s = app
    me = _as(settings, clock, s.invitee)
    (shown,) = client.get("/api/invitations", headers=me).json()["invitations"]
    assert shown["id"] == s.to_invitee and shown["may_accept"] is True
    assert shown["expires_at"] == (f.T0 + LIFETIME).isoformat()
    url = f"/api/invitations/{s.to_invitee}/accept"
    early = client.post(url, headers=me)
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_passed"
    mine = asyncio.run(_pass(settings.database_url, s.invitee, s.course_id))
    accepted = client.post(url, headers=me)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["invitation"]["state"] == "accepted" and body["discussion_id"] is not None
    theirs = client.get(f"/api/completions/{mine}", headers=me).json()
    assert (theirs["state"], theirs["discussion_id"]) == ("in_discussion", body["discussion_id"])
    again = client.post(url, headers=me)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invitation_ended"
    assert client.get("/api/invitations", headers=me).json()["invitations"] == []


def test_whoever_cannot_take_the_course_cannot_accept_and_keeps_their_queue(
    app: tuple[TestClient, Invited], settings: Settings, clock: FixedClock
) -> None:
    client, s = app
    me = _as(settings, clock, s.optician)
    (shown,) = client.get("/api/invitations", headers=me).json()["invitations"]
    assert shown["may_accept"] is False
    refused = client.post(f"/api/invitations/{s.to_optician}/accept", headers=me)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_for_profession"
    ref = client.get("/api/invitations", headers=me).json()["invitations"][0]["course_ref"]
    exam = client.post(f"/api/courses/{ref}/attempts", json={"answers": {}}, headers=me)
    assert exam.status_code == 403 and exam.json()["error"]["code"] == "not_for_profession"


def test_an_invitation_is_its_invitees_and_ends_when_it_expires(
    app: tuple[TestClient, Invited], settings: Settings, clock: FixedClock
) -> None:
    client, s = app
    url = f"/api/invitations/{s.to_invitee}/accept"
    stranger = _as(settings, clock, s.stranger)
    assert client.get("/api/invitations", headers=stranger).json()["invitations"] == []
    assert client.post(url, headers=stranger).status_code == 404
    assert client.post("/api/invitations/99999999/accept", headers=stranger).status_code == 404
    assert client.post(url).status_code == 401
    asyncio.run(_pass(settings.database_url, s.invitee, s.course_id))
    clock.at = f.T0 + LIFETIME
    me = _as(settings, clock, s.invitee)
    assert client.get("/api/invitations", headers=me).json()["invitations"] == []
    late = client.post(url, headers=me)
    assert late.status_code == 409 and late.json()["error"]["code"] == "invitation_ended"


def test_an_inviter_who_left_cannot_be_joined(
    app: tuple[TestClient, Invited], settings: Settings, clock: FixedClock
) -> None:
    client, s = app
    asyncio.run(_pass(settings.database_url, s.invitee, s.course_id))

    async def fall_back() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                await session.execute(
                    update(Completion)
                    .where(Completion.id == s.inviter_completion)
                    .values(state="completed_non_interactive")
                )
        finally:
            await engine.dispose()

    asyncio.run(fall_back())
    gone = client.post(
        f"/api/invitations/{s.to_invitee}/accept", headers=_as(settings, clock, s.invitee)
    )
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "inviter_left"
