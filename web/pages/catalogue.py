"""Pages: the catalogue search, a course with its exam, and the exam's result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from peercet.catalogue import competencies
from peercet.catalogue.exams import AttemptsExhausted
from peercet.catalogue.loading import may_take
from peercet.core.errors import BadInput
from peercet.core.numbers import whole
from peercet.core.tables import Registrant
from web.auth import current_registrant, require_registrant
from web.catalogue import attempt, course_view, find_courses
from web.http import path_text, read_form, read_query
from web.resources import resources
from web.schemas import Attempt, CourseSearch
from web.security import csrf
from web.templating import render


def competency_choices(who: Registrant | None, asked: str) -> dict[str, Any]:
    """The competency filter's options: the registrant's profession's list (all when
    signed out), plus the one asked for if it is a name from another's."""
    framework = competencies.bundled()
    names = [c.name for c in framework.entries(None if who is None else who.profession)]
    chosen = framework.spelling(asked) if asked.strip() else None
    if chosen is not None and chosen not in names:
        names.append(chosen)
    return {"competencies": names, "chosen_competency": chosen}


async def courses(request: Request) -> Response:
    params = request.query_params
    choices = competency_choices(await current_registrant(request), params.get("competency", ""))
    try:
        query = read_query(request, CourseSearch).query()
    except BadInput as exc:
        problem: dict[str, Any] = {
            "params": params, "courses": [], "error": exc.message, **choices,
        }  # fmt: skip
        return await render(request, "courses.html", problem, 400)
    found = await find_courses(resources(request), query)
    page = query.page
    context: dict[str, Any] = {
        **choices,
        "params": params,
        "courses": found.items,
        "page": page,
        "prev_url": request.url.include_query_params(page=page - 1) if page > 1 else None,
        "next_url": request.url.include_query_params(page=page + 1) if found.has_next else None,
    }
    return await render(request, "courses.html", context)


async def _course_page(
    request: Request, ref: str, who: Registrant | None, extra: dict[str, Any], status: int = 200
) -> Response:
    res = resources(request)
    course = await course_view(res, ref, who)
    allowed = who is not None and may_take(who.profession, course["professions"])
    retry_at = None if course["retry_at"] is None else datetime.fromisoformat(course["retry_at"])
    context = {
        "course": course, "may_take": allowed, "retry_at": retry_at,
        "exam_attempts": res.settings.exam_attempts, **extra,
    }  # fmt: skip
    return await render(request, "course.html", context, status)


async def course(request: Request) -> Response:
    ref = path_text(request, "ref")
    return await _course_page(request, ref, await current_registrant(request), {})


def form_answers(form: FormData) -> dict[str, str]:
    """Radio buttons named `q<question id>` whose value is the option id."""
    return {
        key[1:]: value
        for key, value in form.items()
        if key.startswith("q") and whole(key[1:]) is not None and isinstance(value, str)
    }


async def take_exam(request: Request) -> Response:
    who = await require_registrant(request)
    form = await csrf.checked_form(request)
    ref = path_text(request, "ref")
    answers = read_form({"answers": form_answers(form)}, Attempt).answers
    try:
        result = await attempt(resources(request), who, ref, answers)
    except AttemptsExhausted:  # the page says until when; nothing was marked
        return await _course_page(request, ref, who, {}, 429)
    if result.completion is None:
        return await _course_page(request, ref, who, {"result": result.mark})
    url = f"/account/completions/{result.completion.id}"
    if result.created:
        url += f"?score={result.mark.score}&total={result.mark.total}"
    return RedirectResponse(url, status_code=303)


routes = [
    Route("/courses", courses, methods=["GET"]),
    Route("/courses/{ref}", course, methods=["GET"]),
    Route("/courses/{ref}/exam", take_exam, methods=["POST"]),
]
