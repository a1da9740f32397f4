"""Exams: marked on the server, the answers never leave it (DOMAIN.md rule 1).

The pass mark is the course's own `pass_mark` (the number of right answers needed,
from the catalogue file). A question left unanswered counts as wrong. A fail can be
retried at once; a pass creates the completion for the CET year, at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue import may_take
from peercet.completions import record_pass
from peercet.errors import BadInput, Forbidden, NotFound
from peercet.events import Outcome
from peercet.numbers import whole
from peercet.tables import Completion, Course, ExamAttempt, ExamQuestion, PointRecord, Registrant


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


def question_frames(questions: Sequence[ExamQuestion]) -> list[dict[str, Any]]:
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


@dataclass
class AttemptResult:
    mark: Mark
    course: Course
    completion: Completion | None
    created: bool
    outcome: Outcome
    award: PointRecord | None = None


async def take_exam(
    session: AsyncSession,
    registrant: Registrant,
    course: Course,
    raw_answers: Any,
    now: datetime,
    tz: ZoneInfo,
) -> AttemptResult:
    """Mark one attempt, record it, and on a pass record the completion (once a year)."""
    if not may_take(registrant.profession, course.professions):
        raise Forbidden("this course is not for your profession", "not_for_profession")
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
        return AttemptResult(result, course, None, created=True, outcome=Outcome())
    passed = await record_pass(session, registrant, course, now, tz)
    return AttemptResult(
        result, course, passed.completion, passed.created, passed.outcome, passed.award
    )
