"""A registrant's own completions: one, all of them, the current one of a course.

Every read is scoped to the registrant asking: another registrant's completion is
"not found" (404), never their data.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions.actions import in_cycle
from peercet.core.errors import NotFound
from peercet.core.tables import Completion, Course


async def own_completion(
    session: AsyncSession, registrant_id: int, completion_id: int
) -> tuple[Completion, Course]:
    completion = await session.get(Completion, completion_id)
    if completion is None or completion.registrant_id != registrant_id:
        raise NotFound("no such completion of yours", "unknown_completion")
    return completion, await session.get_one(Course, completion.course_id)


async def completions_of(
    session: AsyncSession, registrant_id: int
) -> list[tuple[Completion, Course]]:
    """Newest first."""
    rows = await session.execute(
        select(Completion, Course)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.registrant_id == registrant_id)
        .order_by(Completion.passed_at.desc(), Completion.id.desc())
    )
    return [(c, course) for c, course in rows]


async def current_completion(
    session: AsyncSession, registrant_id: int, course_id: int, cycle: str
) -> Completion | None:
    """The registrant's completion of the course in this cycle (rule 1: at most one)."""
    return await in_cycle(session, registrant_id, course_id, cycle)
