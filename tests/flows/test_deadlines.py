"""Rules 4 and 6 against real databases: fallback at the deadline, one point record."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.deadlines import apply_due
from peercet.completions.lifecycle import State
from peercet.core.tables import AuditEntry, Completion, Notification, OutgoingEmail, PointRecord
from tests.support import factories as f
from tests.support.context import context


async def _one_waiting(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session, session.begin():
        who = await f.registrant(session)
        course = await f.course(session)
        completion = await f.completion(session, who, course)
        return completion.id


async def test_nothing_falls_back_before_the_deadline(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _one_waiting(sessions)
    assert (
        await apply_due(sessions, f.T0 + timedelta(days=14) - timedelta(seconds=1), context()) == 0
    )


async def test_fallback_at_the_deadline_writes_one_point_and_tells_the_registrant(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid = await _one_waiting(sessions)
    due = f.T0 + timedelta(days=14)
    assert await apply_due(sessions, due, context()) == 1
    assert await apply_due(sessions, due + timedelta(hours=1), context()) == 0  # idempotent
    async with sessions() as session:
        completion = await session.get_one(Completion, cid)
        assert completion.state == State.COMPLETED_NON_INTERACTIVE
        assert completion.fallback is True
        assert completion.completed_at == due
        points = list(await session.scalars(select(PointRecord)))
        assert [(p.completion_id, p.kind, p.points) for p in points] == [
            (cid, "non_interactive", 1)
        ]
        assert await session.scalar(select(func.count()).select_from(Notification)) == 1
        assert await session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1
        entry = await session.scalar(select(AuditEntry))
        assert entry is not None and (entry.actor, entry.action) == ("system", "fallback")


async def test_a_long_run_tells_its_progress_batch_by_batch(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for _ in range(5):
        await _one_waiting(sessions)
    told: list[int] = []
    due = f.T0 + timedelta(days=14)
    assert await apply_due(sessions, due, context(), batch=2, progress=told.append) == 5
    assert told == [2, 4, 5]
