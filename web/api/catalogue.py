"""The catalogue and exams: GET /api/courses, GET /api/courses/{ref}, POST .../attempts,
GET /api/competencies."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.catalogue import attempts, competencies, content, courses, exams, search
from peercet.catalogue.views import AllowanceView, AttemptView, ContentView, CourseDetail
from peercet.completions import lifecycle, own
from peercet.completions.actions import award_of
from peercet.completions.frames import completion_frame
from peercet.core.db import transaction
from peercet.core.tables import Course, Registrant
from web.auth import current_registrant, require_registrant
from web.fields import Flag, Text, Whole
from web.http import Body, Query, path_text, read_body, read_query
from web.resources import Resources, resources

CACHE = "catalogue"


class CourseSearch(Query):
    """GET /api/courses and the /courses page: see peercet/catalogue/search.py."""

    q: Text = ""
    profession: Text = ""
    competency: Text = ""
    interactive: Flag | None = None
    page: Whole = 1

    def query(self) -> search.CourseQuery:
        return search.course_query(**self.model_dump())


class CompetencyList(Query):
    """GET /api/competencies: one profession's list, or every one."""

    profession: Text = ""


class Attempt(Body):
    """`{answers: {question_id: option_id}}`; `exams` checks them against the exam."""

    error_code = "bad_answer"
    answers: dict[Text, Whole]


async def find_courses(res: Resources, query: search.CourseQuery) -> search.Page:
    """Search a per-process copy of the catalogue, reloaded when it changes (its row
    count or latest `updated_at` moves): one small query per search, not every row."""
    async with res.sessions() as session:
        version = tuple(await courses.catalogue_version(session))
        cached = res.extras.get(CACHE)
        if cached is None or cached[0] != version:
            cached = (version, search.index(await courses.all_courses(session)))
            res.extras[CACHE] = cached
    return search.search(cached[1], query)


async def list_courses(request: Request) -> Response:
    query = read_query(request, CourseSearch).query()
    found = await find_courses(resources(request), query)
    next_url = None
    if found.has_next:
        next_url = str(request.url.include_query_params(page=query.page + 1))
    return JSONResponse(
        {"courses": [courses.course_frame(c) for c in found.items], "next": next_url}
    )


async def course_detail(res: Resources, ref: str, who: Registrant | None) -> CourseDetail:
    """The course as the API shows it: no answers; the asker's completion this cycle."""
    async with res.sessions() as session:
        course = await exams.course_by_ref(session, ref)
        questions = await exams.questions_of(session, course)
        markdown = await courses.course_content(session, course.id)
        mine, award = None, None
        if who is not None:
            year = lifecycle.cet_year(res.clock.now(), res.settings.timezone)
            cycle = res.settings.cycles.label(year)
            mine = await own.current_completion(session, who.id, course.id, cycle)
        if mine is not None:
            award = await award_of(session, mine.id)
        left = await _allowance(res, session, who, course)
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


async def _allowance(
    res: Resources, session: AsyncSession, who: Registrant | None, course: Course
) -> attempts.Allowance | None:
    """The asker's attempts left at this exam (None when signed out)."""
    if who is None:
        return None
    now, limit = res.clock.now(), res.settings.exam_attempts
    return await exams.allowance_of(session, who.id, course.id, now, limit)


def allowance_frame(left: attempts.Allowance | None) -> AllowanceView:
    """`attempts_left` and `retry_at` (when the next attempt is allowed, once none is)."""
    return {
        "attempts_left": None if left is None else left.attempts_left,
        "retry_at": None if left is None or left.retry_at is None else left.retry_at.isoformat(),
    }


async def get_course(request: Request) -> Response:
    res = resources(request)
    who = await current_registrant(request)
    return JSONResponse(await course_detail(res, path_text(request, "ref"), who))


async def _attempt_once(
    res: Resources, who: Registrant, ref: str, answers: Any
) -> exams.AttemptResult:
    async with transaction(res.sessions) as session:
        course = await exams.course_by_ref(session, ref)
        now, tz = res.clock.now(), res.settings.timezone
        limit = res.settings.exam_attempts
        return await exams.take_exam(session, who, course, answers, now, tz, limit)


async def attempt(res: Resources, who: Registrant, ref: str, answers: Any) -> exams.AttemptResult:
    """One attempt in one transaction, then its effects."""
    try:
        result = await _attempt_once(res, who, ref, answers)
    except IntegrityError:  # the same pass committed meanwhile: the retry finds it
        result = await _attempt_once(res, who, ref, answers)
    await res.effects(result.outcome)
    return result


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


def exhausted_response(exc: exams.AttemptsExhausted) -> Response:
    """429 with `retry_at` in the error (and beside it) and `Retry-After` in seconds."""
    retry_at = exc.retry_at.isoformat()
    error = {"code": exc.code, "message": exc.message, "retry_at": retry_at}
    return JSONResponse(
        {"error": error, "attempts_left": 0, "retry_at": retry_at},
        status_code=exc.status,
        headers={"Retry-After": str(exc.retry_after)},
    )


async def post_attempt(request: Request) -> Response:
    who = await require_registrant(request)
    answers = (await read_body(request, Attempt)).answers
    try:
        result = await attempt(resources(request), who, path_text(request, "ref"), answers)
    except exams.AttemptsExhausted as exc:
        return exhausted_response(exc)
    status = 201 if result.created else 200
    return JSONResponse(attempt_frame(result), status_code=status)


async def list_competencies(request: Request) -> Response:
    """The competency list (a profession's, its base profession's included, or all)."""
    profession = search.read_profession(read_query(request, CompetencyList).profession)
    found = competencies.bundled().entries(profession)
    return JSONResponse(
        {"competencies": [{"name": c.name, "professions": list(c.professions)} for c in found]}
    )


routes = [
    Route("/api/competencies", list_competencies, methods=["GET"]),
    Route("/api/courses", list_courses, methods=["GET"]),
    Route("/api/courses/{ref}", get_course, methods=["GET"]),
    Route("/api/courses/{ref}/attempts", post_attempt, methods=["POST"]),
]
