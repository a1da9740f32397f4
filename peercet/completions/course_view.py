"""A course as a registrant sees it (GET /api/courses/{ref}, the course page): the
course without its answers, its content, the asker's completion of it this cycle and
attempts left; and what an attempt answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue import attempts, content, courses, exams
from peercet.catalogue.views import AllowanceView, ContentView, CourseView, QuestionView
from peercet.completions import lifecycle, own
from peercet.completions.actions import award_of
from peercet.completions.frames import CompletionView, completion_frame
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, PointRecord, Registrant


class CourseDetail(CourseView, ContentView, AllowanceView):
    """GET /api/courses/{ref}: with its exam and the asker's completion this cycle."""

    summary: str
    pass_mark: int
    questions: list[QuestionView]
    completion: CompletionView | None


class AttemptView(AllowanceView):
    """POST /api/courses/{ref}/attempts: `score` says how many, never which."""

    passed: bool
    score: int
    total: int
    pass_mark: int
    completion: CompletionView | None


async def _mine(
    session: AsyncSession, who: Registrant, course: Course, now: datetime, settings: Settings
) -> tuple[Completion | None, PointRecord | None]:
    """The asker's completion of the course in the current cycle, and its award."""
    year = lifecycle.cet_year(now, settings.timezone)
    mine = await own.current_completion(session, who.id, course.id, settings.cycles.label(year))
    return mine, None if mine is None else await award_of(session, mine.id)


async def course_detail(
    session: AsyncSession, ref: str, who: Registrant | None, now: datetime, settings: Settings
) -> CourseDetail:
    """The course as the API shows it: no answers; the asker's completion this cycle."""
    course = await exams.course_by_ref(session, ref)
    questions = await exams.questions_of(session, course)
    markdown = await courses.course_content(session, course.id)
    mine, award, left = None, None, None
    if who is not None:
        mine, award = await _mine(session, who, course, now, settings)
        left = await exams.allowance_of(session, who.id, course.id, now, settings.exam_attempts)
    return {
        **courses.course_frame(course),
        "summary": course.summary,
        **content_frame(markdown),
        "pass_mark": course.pass_mark,
        "questions": exams.question_frames(questions),
        "completion": None if mine is None else completion_frame(mine, course, award),
        **allowance_frame(left),
    }


def content_frame(markdown: str) -> ContentView:
    """The course itself: its Markdown, that rendered (safe as it is), and its reading
    time; all null when the course has none."""
    if not markdown:
        return {"content": None, "content_html": None, "reading_minutes": None}
    return {
        "content": markdown,
        "content_html": content.to_html(markdown),
        "reading_minutes": content.reading_minutes(markdown),
    }


def allowance_frame(left: attempts.Allowance | None) -> AllowanceView:
    """`attempts_left` and `retry_at` (when the next attempt is allowed, once none is)."""
    return {
        "attempts_left": None if left is None else left.attempts_left,
        "retry_at": None if left is None or left.retry_at is None else left.retry_at.isoformat(),
    }


def attempt_frame(result: exams.AttemptResult) -> AttemptView:
    completion, award = result.completion, result.award
    return {
        "passed": result.mark.passed,
        "score": result.mark.score,
        "total": result.mark.total,
        "pass_mark": result.mark.pass_mark,
        "completion": None
        if completion is None
        else completion_frame(completion, result.course, award),
        **allowance_frame(result.allowance),
    }
