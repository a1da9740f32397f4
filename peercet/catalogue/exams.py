"""Exams: marked on the server, the answers never leave it (DOMAIN.md rule 1).

The pass mark is the course's own `pass_mark` (the number of right answers needed,
from the catalogue file). A question left unanswered counts as wrong. A result tells
the score, never which answers were wrong. A fail can be retried while attempts are
left (`EXAM_ATTEMPTS` failures in any 24 hours, peercet.catalogue.attempts); past that an
attempt is refused unmarked and unrecorded. A pass creates the completion for the
CET year, at most once: `peercet.completions.taking` records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue import attempts
from peercet.catalogue.loading import may_take
from peercet.catalogue.views import QuestionView
from peercet.core.errors import BadInput, Forbidden, NotFound, RateLimited
from peercet.core.numbers import whole
from peercet.core.publish import Aftermath
from peercet.core.tables import (
    Completion,
    Course,
    ExamAttempt,
    ExamQuestion,
    PointRecord,
    Registrant,
)


@dataclass(frozen=True)
class Mark:
    score: int
    total: int
    pass_mark: int

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark


def _option(value: Any, options: int) -> int:
    if isinstance(value, str):
        value = whole(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < options:
        raise BadInput("each answer must be the id of one of the question's options", "bad_answer")
    return value


def read_answers(raw: Any, questions: Sequence[ExamQuestion]) -> dict[int, int]:
    """`{question_id: option_id}` checked against the course's questions."""
    if not isinstance(raw, dict):
        raise BadInput("'answers' must be an object of question id to option id", "bad_answer")
    by_id = {q.id: q for q in questions}
    answers: dict[int, int] = {}
    for key, value in raw.items():
        qid = whole(key)
        if qid is None or qid not in by_id:
            raise BadInput(f"question {key} is not in this exam", "unknown_question")
        answers[qid] = _option(value, len(by_id[qid].options))
    return answers


def mark(questions: Sequence[ExamQuestion], answers: dict[int, int], pass_mark: int) -> Mark:
    score = sum(1 for q in questions if answers.get(q.id) == q.answer)
    return Mark(score, len(questions), pass_mark)


def question_frames(questions: Sequence[ExamQuestion]) -> list[QuestionView]:
    """What the registrant sees: text and options, never the answer."""
    return [
        {
            "id": q.id,
            "text": q.text,
            "options": [{"id": i, "text": text} for i, text in enumerate(q.options)],
        }
        for q in questions
    ]


async def course_by_ref(session: AsyncSession, ref: str) -> Course:
    course = await session.scalar(select(Course).where(Course.ref == ref))
    if course is None:
        raise NotFound(f"no course {ref}", "unknown_course")
    return course


async def questions_of(session: AsyncSession, course: Course) -> list[ExamQuestion]:
    rows = await session.scalars(
        select(ExamQuestion)
        .where(ExamQuestion.course_id == course.id)
        .order_by(ExamQuestion.position)
    )
    return list(rows)


class AttemptsExhausted(RateLimited):
    """429: no attempt left until `retry_at` (the API also says it in `Retry-After`)."""

    def __init__(self, retry_at: datetime, now: datetime) -> None:
        super().__init__(
            "no attempt at this exam is left for now; the next is allowed at "
            + retry_at.isoformat(),
            "attempts_exhausted",
        )
        self.retry_at = retry_at
        self.retry_after = max(1, ceil((retry_at - now).total_seconds()))


async def _hold_attempts(session: AsyncSession, registrant_id: int) -> None:
    """One attempt of a registrant's at a time, so two at once cannot both use the last
    one: PostgreSQL locks the registrant's row (NO KEY UPDATE: rows that refer to it are
    not held up); SQLite's write transactions are one at a time already (IMMEDIATE)."""
    await session.execute(
        select(Registrant.id).where(Registrant.id == registrant_id).with_for_update(key_share=True)
    )


async def failures_of(
    session: AsyncSession, registrant_id: int, course_id: int, now: datetime
) -> list[datetime]:
    """When the registrant failed this exam within the window that counts at `now`."""
    rows = await session.scalars(
        select(ExamAttempt.at).where(
            ExamAttempt.registrant_id == registrant_id,
            ExamAttempt.course_id == course_id,
            ExamAttempt.passed.is_(False),
            ExamAttempt.at > now - attempts.WINDOW,
        )
    )
    return list(rows)


async def allowance_of(
    session: AsyncSession, registrant_id: int, course_id: int, now: datetime, limit: int
) -> attempts.Allowance:
    failures = await failures_of(session, registrant_id, course_id, now)
    return attempts.allowance(failures, now, limit)


@dataclass
class AttemptResult:
    mark: Mark
    course: Course
    completion: Completion | None
    created: bool
    aftermath: Aftermath
    allowance: attempts.Allowance  # after this attempt
    award: PointRecord | None = None


async def take_exam(
    session: AsyncSession,
    registrant: Registrant,
    course: Course,
    raw_answers: Any,
    now: datetime,
    limit: int,
) -> AttemptResult:
    """Mark one attempt and record it; on a pass the caller records the completion (its
    `completion`, `created`, `aftermath` and `award` are left for that). With no attempt
    left (`limit` failures in 24 hours) nothing is marked or recorded."""
    if not may_take(registrant.profession, course.professions):
        raise Forbidden("this course is not for your profession", "not_for_profession")
    await _hold_attempts(session, registrant.id)
    failures = await failures_of(session, registrant.id, course.id, now)
    before = attempts.allowance(failures, now, limit)
    if before.retry_at is not None:
        raise AttemptsExhausted(before.retry_at, now)
    questions = await questions_of(session, course)
    result = mark(questions, read_answers(raw_answers, questions), course.pass_mark)
    session.add(
        ExamAttempt(
            registrant_id=registrant.id,
            course_id=course.id,
            score=result.score,
            total=result.total,
            passed=result.passed,
            at=now,
        )
    )
    if not result.passed:
        after = attempts.allowance([*failures, now], now, limit)
        return AttemptResult(result, course, None, True, Aftermath(), after)
    return AttemptResult(result, course, None, False, Aftermath(), before)
