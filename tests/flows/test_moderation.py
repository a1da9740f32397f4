"""Moderator actions against real databases: effects on discussions, completions, queue, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import moderation
from peercet.completions.lifecycle import State
from peercet.core.errors import BadInput, Conflict
from peercet.core.tables import Completion, Discussion, Registrant
from tests.support import factories as f
from tests.support.context import links


async def moderator_and_room(session: AsyncSession) -> tuple[Registrant, int]:
    """A moderator, and the id of an open discussion of two registrants."""
    mod = await f.registrant(session, role="moderator")
    _, _, did = await f.pair(session, await f.course(session))
    return mod, did


@pytest.mark.parametrize("outcome", ["void", "repair"])
async def test_closing_sends_both_back_to_the_queue_keeping_deadlines(
    sessions: async_sessionmaker[AsyncSession], outcome: str
) -> None:
    async with sessions() as session, session.begin():
        mod = await f.registrant(session, role="moderator")
        first, second, did = await f.pair(session, await f.course(session))
        deadlines = (first.deadline, second.deadline)
        result = await moderation.close(session, mod, did, outcome, "off topic", f.T0, links())
    assert sorted(result.requeue) == sorted([first.id, second.id])
    assert {e.frame["type"] for e in result.deliveries} >= {"closed", "completion"}
    async with sessions() as session:
        discussion = await session.get_one(Discussion, did)
        assert discussion.state == "closed"
        for completion, deadline in zip((first, second), deadlines, strict=True):
            row = await session.get_one(Completion, completion.id)
            assert (row.state, row.deadline, row.discussion_id) == (
                State.SEEKING_PEER,
                deadline,
                None,
            )
        [entry] = await moderation.audit_entries(session)
        assert entry["action"] == f"close_{outcome}" and entry["reason"] == "off topic"
        assert entry["actor"] == f"moderator:{mod.id}"


async def test_a_participant_past_their_deadline_is_not_requeued(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        mod, did = await moderator_and_room(session)
        result = await moderation.close(
            session, mod, did, "void", "late", f.T0 + timedelta(days=15), links()
        )
    assert result.requeue == []


async def test_every_action_needs_a_reason_and_an_open_discussion(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        mod, did = await moderator_and_room(session)
        with pytest.raises(BadInput):
            await moderation.close(session, mod, did, "void", "  ", f.T0, links())
        with pytest.raises(BadInput):
            await moderation.close(session, mod, did, "delete", "why", f.T0, links())
        await moderation.close(session, mod, did, "void", "why", f.T0, links())
        with pytest.raises(Conflict):
            await moderation.close(session, mod, did, "repair", "again", f.T0, links())


async def test_at_risk_lists_near_deadlines_without_a_lively_discussion(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        course = await f.course(session)
        waiting = await f.waiting(session, await f.registrant(session), course)
        first, second, _ = await f.pair(session, course)
        later = await f.waiting(
            session, await f.registrant(session), course, f.T0 + timedelta(days=5)
        )
    near = f.T0 + timedelta(days=11, hours=1)  # 3 days minus an hour before the first deadlines
    async with sessions() as session:
        risks = {c["id"]: c["risk"] for c in await moderation.at_risk(session, near)}
    assert risks == {
        waiting.id: "no_discussion",
        first.id: "quiet_discussion",
        second.id: "quiet_discussion",
    }
    assert later.id not in risks


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite serialises
async def test_a_discussion_closed_meanwhile_is_a_conflict_with_no_audit_entry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        mod, did = await moderator_and_room(session)
    async with sessions() as late, late.begin():
        await late.get_one(Discussion, did)  # read while open, as a second moderator's click
        async with sessions() as first, first.begin():
            await moderation.close(first, mod, did, "void", "first", f.T0, links())
        with pytest.raises(Conflict):
            await moderation.close(late, mod, did, "repair", "second", f.T0, links())
    async with sessions() as session:
        assert [e["reason"] for e in await moderation.audit_entries(session)] == ["first"]
