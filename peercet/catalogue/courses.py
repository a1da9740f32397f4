"""Reads of the catalogue: the API's `course` object, a course's own text, every course,
and a version that changes whenever the catalogue does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

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
