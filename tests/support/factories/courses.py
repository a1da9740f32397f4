"""Courses as `peercet courses import` loads them: five questions whose right answer to
question i is i % 3, pass mark 4."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue.loading import CourseSpec, QuestionSpec, upsert_course
from peercet.core.tables import Course
from tests.support.factories.scheme import T0, numbers


def course_spec(interactive: bool = True, **kw: Any) -> CourseSpec:
    n = next(numbers)
    questions = [QuestionSpec(f"Question {i}?", ["a", "b", "c"], i % 3) for i in range(5)]
    return CourseSpec(
        ref=kw.get("ref", f"C-{20000 + n}"),
        title=kw.get("title", f"Course {n}"),
        summary="A course.",
        professions=kw.get("professions", ["optometrist", "dispensing_optician"]),
        competencies=kw.get("competencies", ["Communication"]),
        points=kw.get("points", 1),
        interactive=interactive,
        prompts=kw.get("prompts", ["First prompt?", "Second prompt?"] if interactive else []),
        questions=questions,
        pass_mark=4,
        content=kw.get("content", ""),
    )


async def course(session: AsyncSession, interactive: bool = True, **kw: Any) -> Course:
    spec = course_spec(interactive, **kw)
    await upsert_course(session, spec, T0)

    found = await session.scalar(select(Course).where(Course.ref == spec.ref))
    assert found is not None
    return found


async def reprice(session: AsyncSession, ref: str, points: int) -> None:
    """The course re-imported worth other points (`peercet courses import`), as after
    some completions were awarded: those keep what they were awarded (rules 6, 9)."""
    await session.execute(update(Course).where(Course.ref == ref).values(points=points))
