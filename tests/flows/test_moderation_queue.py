"""Each moderator action's effect after commit: the discussion, the completions, the
course's Redis queue (matching/queue.py) and the audit log, with a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import moderation
from discussion.actions import report
from matching.pairing import matching_effects
from matching.queue import Entry, Queues
from peercet.completions.lifecycle import State, cet_year
from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.publish import Paired
from peercet.core.tables import (
    Completion,
    Discussion,
    Message,
    Participant,
    PointRecord,
    Registrant,
)
from tests.support import factories as f
from tests.support.context import context, links

LONDON = ZoneInfo("Europe/London")
NOW = f.T0 + timedelta(days=2)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def _room_and_a_later_waiter(
    sessions: async_sessionmaker[AsyncSession], queues: Queues
) -> tuple[int, Completion, Completion, Completion, Registrant]:
    """A and B in a room (they have met); C waits in the queue with a later deadline."""
    async with transaction(sessions) as session:
        course = await f.course(session)
        a, b, did = await f.pair(session, course)
        c = await f.waiting(session, await f.registrant(session), course, f.T0 + timedelta(days=1))
        mod = await f.registrant(session, role="moderator")
    met = Paired(course.id, cet_year(NOW, LONDON), a.registrant_id, b.registrant_id)
    await queues.remember_met([met])
    await queues.add([Entry(course.id, c.id, c.registrant_id, c.deadline)])
    return did, a, b, c, mod


@pytest.mark.parametrize("aftermath", ["void", "repair"])
async def test_closing_puts_both_back_in_deadline_order(
    sessions: async_sessionmaker[AsyncSession], redis: Redis, aftermath: str
) -> None:
    queues = Queues(redis)
    did, a, b, c, mod = await _room_and_a_later_waiter(sessions, queues)
    async with transaction(sessions) as session:
        result = await moderation.close(session, mod, did, aftermath, "started again", NOW, links())
    await matching_effects(sessions, redis, context(clock=FixedClock(NOW)))(result)
    # A and B have met, so one of them (equal deadlines, both earlier than C's) pairs with
    # C, ahead of C's later deadline; the other is back in the queue, keeping its deadline.
    [(back, rid)] = await queues.members(a.course_id)
    stays, moves = (a, b) if back == a.id else (b, a)
    score = await redis.zscore(keys.course_queue(a.course_id), f"{back}:{rid}")
    assert score == stays.deadline.timestamp()
    async with sessions() as session:
        assert (await session.get_one(Discussion, did)).state == "closed"
        rows = {c.id: c for c in await session.scalars(select(Completion))}
        assert rows[back].state == State.SEEKING_PEER and rows[back].deadline == stays.deadline
        assert rows[moves.id].state == State.IN_DISCUSSION
        assert rows[moves.id].discussion_id not in (None, did)
        partners = set(
            await session.scalars(
                select(Participant.registrant_id).where(
                    Participant.discussion_id == rows[moves.id].discussion_id
                )
            )
        )
        assert partners == {moves.registrant_id, c.registrant_id}
        points = await session.scalar(select(func.count()).select_from(PointRecord))
        assert points == 0  # no point of either kind from a closed room
        [entry] = await moderation.audit_entries(session)
    assert (entry["action"], entry["subject"], entry["reason"]) == (
        f"close_{aftermath}", f"discussion:{did}", "started again",
    )  # fmt: skip


async def test_a_notice_and_a_resolved_report_leave_the_queue_alone(
    sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    queues = Queues(redis)
    did, a, _, c, mod = await _room_and_a_later_waiter(sessions, queues)
    async with transaction(sessions) as session:
        flagged = await report(session, a.registrant_id, did, "rude", None, NOW)
        frame, result = await moderation.post_notice(session, mod, did, "Be kind", NOW)
        await moderation.resolve_report(session, mod, flagged.id, "warned both", NOW)
    assert result.requeue == [] and result.dequeue == []
    assert [e.frame["type"] for e in result.deliveries] == ["message"]
    await matching_effects(sessions, redis, context(clock=FixedClock(NOW)))(result)
    assert await queues.members(a.course_id) == [(c.id, c.registrant_id)]
    async with sessions() as session:
        message = await session.get_one(Message, frame["id"])
        assert (message.kind, message.author_id, message.body) == ("notice", mod.id, "Be kind")
        states = set(
            await session.scalars(select(Completion.state).where(Completion.discussion_id == did))
        )
        assert states == {State.IN_DISCUSSION}
        entries = await moderation.audit_entries(session)
    assert [(e["action"], e["reason"]) for e in entries] == [
        ("resolve_report", "warned both"), ("notice", "Be kind"),
    ]  # newest first  # fmt: skip
