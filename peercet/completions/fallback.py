"""The deadline's fallback (rule 4): what is still open at its deadline completes as
non-interactive, with its point.

The completion step only: it returns, with its Aftermath, the discussions the fallen
completions were in, and the caller closes them in the same transaction
(`discussion.deadlines`, which the deadline worker, the sweep and a decision on a dispute
whose deadline has passed all go through). The move is the lifecycle table's
`deadline`, so of two runs each completion falls back once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions.actions import courses_by_id
from peercet.completions.awards import certificate_link, completed_notice, grant
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import Event, Mode
from peercet.completions.moves import due, move
from peercet.core import audit
from peercet.core.context import Context
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, PointRecord, Registrant
from peercet.notify.notices import Addressed, notify_many


class Fallen(NamedTuple):
    """What a fallback did: how many fell back, what to publish after the commit, and
    the discussions they were in, which the caller closes before it commits."""

    how_many: int
    aftermath: Aftermath
    discussion_ids: frozenset[int]


async def fall_back(
    session: AsyncSession, completion_ids: Sequence[int], now: datetime, ctx: Context
) -> Fallen:
    """Rule 4: complete as non-interactive by deadline those still open and due."""
    fallen_ids = await move(
        session, completion_ids, Event.DEADLINE, now, fallback=True,
        completed_at=Completion.deadline,
    )  # fmt: skip
    if not fallen_ids:
        return Fallen(0, Aftermath(), frozenset())
    fallen = list(
        await session.scalars(
            select(Completion)
            .where(Completion.id.in_(fallen_ids))
            .execution_options(populate_existing=True)
        )
    )
    rooms = frozenset(c.discussion_id for c in fallen if c.discussion_id is not None)
    return Fallen(len(fallen), await _after_fallback(session, fallen, now, ctx), rooms)


async def _after_fallback(
    session: AsyncSession, fallen: list[Completion], now: datetime, ctx: Context
) -> Aftermath:
    """The points, the frames, the notices and the audit of what fell back."""
    courses = await courses_by_id(session, {c.course_id for c in fallen})
    registrants = {
        r.id: r
        for r in await session.scalars(
            select(Registrant).where(Registrant.id.in_({c.registrant_id for c in fallen}))
        )
    }
    awards = await _grant_all(session, fallen, courses, now)
    aftermath = Aftermath()
    notices = []
    for completion in fallen:
        course = courses[completion.course_id]
        aftermath.deliveries.append(completion_delivery(completion, course, awards[completion.id]))
        aftermath.dequeue.append(completion.id)
        link = certificate_link(ctx, completion.id, now)
        notice = completed_notice(completion, course, link)
        notices.append(Addressed(registrants[completion.registrant_id], notice, completion.id))
    await notify_many(session, notices, now, ctx.links)
    await audit.record_many(
        session, now, None, "fallback", [f"completion:{c.id}" for c in fallen], "deadline"
    )
    return aftermath


async def _grant_all(
    session: AsyncSession, fallen: list[Completion], courses: dict[int, Course], now: datetime
) -> dict[int, PointRecord]:
    """The non-interactive point of each fallen completion, course by course."""
    awards: dict[int, PointRecord] = {}
    for course_id, course in courses.items():
        of_course = [c for c in fallen if c.course_id == course_id]
        records = await grant(session, of_course, course, Mode.NON_INTERACTIVE, now)
        awards.update((r.completion_id, r) for r in records)
    return awards


async def due_ids(session: AsyncSession, now: datetime, batch: int) -> list[int]:
    """One batch of the completions due at `now`, earliest deadline first."""
    return list(
        await session.scalars(
            select(Completion.id).where(due(now)).order_by(Completion.deadline).limit(batch)
        )
    )
