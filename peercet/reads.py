"""Reads for a registrant's own account: completions, notifications, the catalogue.

Every read is scoped to the registrant asking: another registrant's completion is
"not found" (404), never their data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions import in_cycle
from peercet.errors import NotFound
from peercet.tables import Completion, Course, Notification


def course_frame(course: Course) -> dict[str, Any]:
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


def notification_frame(note: Notification) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "body": note.body,
        "completion_id": note.completion_id,
        "created_at": note.created_at.isoformat(),
        "read": note.read_at is not None,
    }


async def notifications_of(
    session: AsyncSession, registrant_id: int, completion_id: int | None = None, limit: int = 100
) -> list[Notification]:
    """Newest first; those of one completion when `completion_id` is given."""
    query = select(Notification).where(Notification.registrant_id == registrant_id)
    if completion_id is not None:
        query = query.where(Notification.completion_id == completion_id)
    return list(await session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


async def mark_read(
    session: AsyncSession, registrant_id: int, ids: Sequence[int] | None, now: datetime
) -> int:
    """Mark the registrant's unread notifications read (those in `ids`, or all)."""
    query = update(Notification).where(
        Notification.registrant_id == registrant_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    result = await session.execute(query.values(read_at=now).returning(Notification.id))
    return len(result.all())
