"""The catalogue and exams: GET /api/courses, GET /api/courses/{ref}, POST .../attempts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet import exams, lifecycle, reads, search
from peercet.completions import award_of
from peercet.db import transaction
from peercet.frames import completion_frame
from peercet.tables import Registrant
from web.auth import current_registrant, require_registrant
from web.fields import Flag, Text, Whole
from web.http import Body, Query, path_text, read_body, read_query
from web.resources import Resources, resources

CACHE = "catalogue"


class CourseSearch(Query):
    """GET /api/courses and the /courses page: see peercet/search.py."""

    q: Text = ""
    profession: Text = ""
    competency: Text = ""
    interactive: Flag | None = None
    page: Whole = 1

    def query(self) -> search.CourseQuery:
        return search.course_query(**self.model_dump())


class Attempt(Body):
    """`{answers: {question_id: option_id}}`; peercet.exams checks them against the exam."""

    error_code = "bad_answer"
    answers: dict[Text, Whole]


async def find_courses(res: Resources, query: search.CourseQuery) -> search.Page:
    """Search a per-process copy of the catalogue, reloaded when it changes (its row
    count or latest `updated_at` moves): one small query per search, not every row."""
    async with res.sessions() as session:
        version = tuple(await reads.catalogue_version(session))
        cached = res.extras.get(CACHE)
        if cached is None or cached[0] != version:
            cached = (version, search.index(await reads.all_courses(session)))
            res.extras[CACHE] = cached
    return search.search(cached[1], query)


async def list_courses(request: Request) -> Response:
    query = read_query(request, CourseSearch).query()
    found = await find_courses(resources(request), query)
    next_url = None
    if found.has_next:
        next_url = str(request.url.include_query_params(page=query.page + 1))
    return JSONResponse({"courses": [reads.course_frame(c) for c in found.items], "next": next_url})


async def course_detail(res: Resources, ref: str, who: Registrant | None) -> dict[str, Any]:
    """The course as the API shows it: no answers; the asker's completion this year."""
    async with res.sessions() as session:
        course = await exams.course_by_ref(session, ref)
        questions = await exams.questions_of(session, course)
        mine, award = None, None
        if who is not None:
            year = lifecycle.cet_year(res.clock.now(), res.settings.timezone)
            mine = await reads.current_completion(session, who.id, course.id, year)
        if mine is not None:
            award = await award_of(session, mine.id)
    return {
        **reads.course_frame(course),
        "summary": course.summary,
        "pass_mark": course.pass_mark,
        "questions": exams.question_frames(questions),
        "completion": None if mine is None else completion_frame(mine, course, award),
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
        return await exams.take_exam(session, who, course, answers, now, tz)


async def attempt(res: Resources, who: Registrant, ref: str, answers: Any) -> exams.AttemptResult:
    """One attempt in one transaction, then its effects."""
    try:
        result = await _attempt_once(res, who, ref, answers)
    except IntegrityError:  # the same pass committed meanwhile: the retry finds it
        result = await _attempt_once(res, who, ref, answers)
    await res.effects(result.outcome)
    return result


def attempt_frame(result: exams.AttemptResult) -> dict[str, Any]:
    completion, award = result.completion, result.award
    return {
        "passed": result.mark.passed,
        "score": result.mark.score,
        "total": result.mark.total,
        "pass_mark": result.mark.pass_mark,
        "completion": None
        if completion is None
        else completion_frame(completion, result.course, award),
    }


async def post_attempt(request: Request) -> Response:
    who = await require_registrant(request)
    answers = (await read_body(request, Attempt)).answers
    result = await attempt(resources(request), who, path_text(request, "ref"), answers)
    status = 201 if result.created else 200
    return JSONResponse(attempt_frame(result), status_code=status)


routes = [
    Route("/api/courses", list_courses, methods=["GET"]),
    Route("/api/courses/{ref}", get_course, methods=["GET"]),
    Route("/api/courses/{ref}/attempts", post_attempt, methods=["POST"]),
]
