"""The catalogue's edge, shared by the API and the pages: each helper runs one flow
with what the app holds (web/resources.py), and its effects after the commit."""

from __future__ import annotations

from typing import Any

from peercet.catalogue import exams, search
from peercet.catalogue.courses import CatalogueCopy
from peercet.completions import taking
from peercet.completions.course_view import CourseDetail, course_detail
from peercet.core.tables import Registrant
from web.resources import Resources

COPY = "catalogue"  # the process's CatalogueCopy, in Resources.extras


async def find_courses(res: Resources, query: search.CourseQuery) -> search.Page:
    copy: CatalogueCopy = res.extras.setdefault(COPY, CatalogueCopy())
    async with res.sessions() as session:
        return await copy.find(session, query)


async def course_view(res: Resources, ref: str, who: Registrant | None) -> CourseDetail:
    async with res.sessions() as session:
        return await course_detail(session, ref, who, res.clock.now(), res.settings)


async def attempt(res: Resources, who: Registrant, ref: str, answers: Any) -> exams.AttemptResult:
    """One attempt (peercet.completions.taking), then its effects."""
    now, limit = res.clock.now(), res.settings.exam_attempts
    result = await taking.attempt(res.sessions, who, ref, answers, now, res.context, limit)
    await res.effects(result.aftermath)
    return result
