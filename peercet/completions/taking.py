"""Taking a course's exam, as the registrant asks it by the course's ref: the catalogue
marks and records the attempt (`peercet.catalogue.exams`), and a pass records the
completion for the CET year (`record_pass`), in the same transaction.

Takes the session factory: an attempt is one transaction, and when the same pass
committed meanwhile (a double submit: the completion's unique constraint refuses
the second) one more, which finds that pass.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.catalogue import exams
from peercet.completions.actions import record_pass
from peercet.core.context import Context
from peercet.core.db import transaction
from peercet.core.tables import Registrant


async def _attempt_once(
    sessions: async_sessionmaker[AsyncSession], who: Registrant, ref: str, answers: Any,
    now: datetime, ctx: Context, limit: int,
) -> exams.AttemptResult:  # fmt: skip
    async with transaction(sessions) as session:
        course = await exams.course_by_ref(session, ref)
        result = await exams.take_exam(session, who, course, answers, now, limit)
        if not result.mark.passed:
            return result
        passed = await record_pass(session, who, course, now, ctx)
        return replace(
            result, completion=passed.completion, created=passed.created,
            aftermath=passed.aftermath, award=passed.award,
        )  # fmt: skip


async def attempt(
    sessions: async_sessionmaker[AsyncSession], who: Registrant, ref: str, answers: Any,
    now: datetime, ctx: Context, limit: int,
) -> exams.AttemptResult:  # fmt: skip
    """One attempt at the exam of course `ref` (`limit`: failures allowed in 24 hours);
    the caller runs its aftermath's effects."""
    try:
        return await _attempt_once(sessions, who, ref, answers, now, ctx, limit)
    except IntegrityError:  # the same pass committed meanwhile: the retry finds it
        return await _attempt_once(sessions, who, ref, answers, now, ctx, limit)
