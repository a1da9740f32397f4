"""Reads of the catalogue: the API's `course` object, a course's own text, every course,
a version that changes whenever the catalogue does, and a searchable copy kept by it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue import search
from peercet.catalogue.views import CourseView
from peercet.core.tables import Course


def course_frame(course: Course) -> CourseView:
    return {
        "ref": course.ref,
        "title": course.title,
        "professions": list(course.professions),
        "competencies": list(course.competencies),
        "interactive": course.interactive,
        "points": course.points,
    }


async def course_content(session: AsyncSession, course_id: int) -> str:
    """The course itself (Markdown; "" when it has none): a column not loaded with the course."""
    return await session.scalar(select(Course.content).where(Course.id == course_id)) or ""


async def catalogue_version(session: AsyncSession) -> Any:
    """Changes whenever a course is added, removed or updated."""
    return (await session.execute(select(func.count(Course.id), func.max(Course.updated_at)))).one()


async def all_courses(session: AsyncSession) -> list[Course]:
    return list(await session.scalars(select(Course).order_by(Course.ref)))


class CatalogueCopy:
    """A per-process copy of the catalogue's search index, reloaded when the catalogue
    changes (its row count or latest `updated_at` moves): one small query per search,
    not every row."""

    def __init__(self) -> None:
        self._version: tuple[Any, ...] | None = None
        self._index: list[search.Entry] | None = None

    async def find(self, session: AsyncSession, query: search.CourseQuery) -> search.Page:
        version = tuple(await catalogue_version(session))
        if self._index is None or self._version != version:
            self._index = search.index(await all_courses(session))
            self._version = version
        return search.search(self._index, query)
