"""The catalogue and exams: GET /api/courses, GET /api/courses/{ref}, POST .../attempts,
GET /api/competencies."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.catalogue import competencies, courses, exams, search
from peercet.completions.course_view import attempt_frame
from web.auth import current_registrant, require_registrant
from web.catalogue import attempt, course_view, find_courses
from web.fields import Text
from web.http import Query, path_text, read_body, read_query
from web.resources import resources
from web.schemas import Attempt, CourseSearch


class CompetencyList(Query):
    """GET /api/competencies: one profession's list, or every one."""

    profession: Text = ""


async def list_courses(request: Request) -> Response:
    query = read_query(request, CourseSearch).query()
    found = await find_courses(resources(request), query)
    next_url = None
    if found.has_next:
        next_url = str(request.url.include_query_params(page=query.page + 1))
    return JSONResponse(
        {"courses": [courses.course_frame(c) for c in found.items], "next": next_url}
    )


async def get_course(request: Request) -> Response:
    who = await current_registrant(request)
    return JSONResponse(await course_view(resources(request), path_text(request, "ref"), who))


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
