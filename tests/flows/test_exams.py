"""Exams against real databases: marking, two passes at once making one completion, and
attempts at once kept within the limit."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.catalogue import exams
from peercet.core.clock import FixedClock
from peercet.core.effects import Effects
from peercet.core.events import MemoryPublisher
from peercet.core.settings import Settings
from peercet.core.tables import Completion, ExamAttempt
from tests.support import factories as f
from tests.support.context import context
from web.api.catalogue import attempt
from web.resources import Resources


async def test_two_passes_at_once_make_one_completion(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        who = await f.registrant(session)
        course = await f.course(session)
        questions = await exams.questions_of(session, course)
    right = {str(q.id): q.answer for q in questions}
    engine = sessions.kw["bind"]
    res = Resources(context(settings, FixedClock(f.T0)), engine, sessions, None,  # type: ignore[arg-type]
                    Effects(MemoryPublisher()), {})  # fmt: skip
    results = await asyncio.gather(*(attempt(res, who, course.ref, right) for _ in range(4)))
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.completion.id for r in results if r.completion}) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Completion)) == 1
        assert await session.scalar(select(func.count()).select_from(ExamAttempt)) == 4


async def test_failures_at_once_never_exceed_the_limit(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Rule 1: two (here six) attempts at once by one registrant cannot both take the last
    attempt left; the refused ones are neither marked nor stored."""
    async with sessions() as session, session.begin():
        who = await f.registrant(session)
        course = await f.course(session)
    res = Resources(context(settings, FixedClock(f.T0)), sessions.kw["bind"], sessions,
                    None, Effects(MemoryPublisher()), {})  # type: ignore[arg-type]  # fmt: skip
    results = await asyncio.gather(
        *(attempt(res, who, course.ref, {}) for _ in range(6)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, exams.AttemptsExhausted)]
    marked = [r for r in results if isinstance(r, exams.AttemptResult)]
    assert (len(refused), len(marked)) == (4, 2)
    assert sorted(r.allowance.attempts_left for r in marked) == [0, 1]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ExamAttempt)) == 2


def test_marking_counts_right_answers_only() -> None:
    class Q:
        def __init__(self, qid: int, answer: int) -> None:
            self.id, self.answer, self.options = qid, answer, ["a", "b", "c"]

    questions = [Q(1, 0), Q(2, 2), Q(3, 1)]
    mark = exams.mark(questions, {1: 0, 2: 1}, pass_mark=2)  # type: ignore[arg-type]
    assert (mark.score, mark.total, mark.passed) == (1, 3, False)
    assert exams.mark(questions, {1: 0, 2: 2}, 2).passed  # type: ignore[arg-type]
