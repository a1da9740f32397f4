"""Exams against real databases: marking, two passes at once making one completion, and
attempts at once kept within the limit."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.catalogue import exams
from peercet.completions import taking
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import Completion, ExamAttempt, Registrant
from tests.support import factories as f
from tests.support.context import context


def attempt(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], who: Registrant, ref: str,
    answers: dict[str, int],
) -> Coroutine[Any, Any, exams.AttemptResult]:  # fmt: skip
    """One attempt at f.T0 under the settings' timezone and limit."""
    ctx, limit = context(settings, FixedClock(f.T0)), settings.exam_attempts
    return taking.attempt(sessions, who, ref, answers, f.T0, ctx, limit)


async def test_two_passes_at_once_make_one_completion(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        who = await f.registrant(session)
        course = await f.course(session)
        questions = await exams.questions_of(session, course)
    right = {str(q.id): q.answer for q in questions}
    attempts = (attempt(settings, sessions, who, course.ref, right) for _ in range(4))
    results = await asyncio.gather(*attempts)
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
    results = await asyncio.gather(
        *(attempt(settings, sessions, who, course.ref, {}) for _ in range(6)),
        return_exceptions=True,
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
