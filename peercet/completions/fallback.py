"""The deadline's fallback (rule 4): what is still open at its deadline completes as
non-interactive, with its point, and any discussion it was in closes.

The deadline worker runs `run_deadlines` in batches; a decision on a dispute whose
deadline has passed calls `fall_back` for one completion. Either way the move is the
lifecycle table's `deadline`, so of two runs each completion falls back once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.opening import close_discussions
from peercet.completions import lifecycle
from peercet.completions.actions import courses_by_id
from peercet.completions.awards import certificate_link, completed_notice, grant
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import Event, Mode
from peercet.completions.moves import due, move
from peercet.core import audit
from peercet.core.context import Context
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, PointRecord, Registrant
from peercet.notify.notices import Addressed, notify_many


async def fall_back(
    session: AsyncSession, completion_ids: Sequence[int], now: datetime, ctx: Context
) -> tuple[int, Aftermath]:
    """Rule 4: complete as non-interactive by deadline those still open and due."""
    fallen_ids = await move(
        session, completion_ids, Event.DEADLINE, now, fallback=True,
        completed_at=Completion.deadline,
    )  # fmt: skip
    if not fallen_ids:
        return 0, Aftermath()
    fallen = list(
        await session.scalars(
            select(Completion)
            .where(Completion.id.in_(fallen_ids))
            .execution_options(populate_existing=True)
        )
    )
    return len(fallen), await _after_fallback(session, fallen, now, ctx)


async def _after_fallback(
    session: AsyncSession, fallen: list[Completion], now: datetime, ctx: Context
) -> Aftermath:
    courses = await courses_by_id(session, {c.course_id for c in fallen})
    registrants = {
        r.id: r
        for r in await session.scalars(
            select(Registrant).where(Registrant.id.in_({c.registrant_id for c in fallen}))
        )
    }
    aftermath = Aftermath()
    awards: dict[int, PointRecord] = {}
    for course_id, course in courses.items():
        of_course = [c for c in fallen if c.course_id == course_id]
        records = await grant(session, of_course, course, Mode.NON_INTERACTIVE, now)
        awards.update((r.completion_id, r) for r in records)
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
    discussion_ids = {c.discussion_id for c in fallen if c.discussion_id is not None}
    if discussion_ids:
        aftermath.extend(
            await close_discussions(
                session,
                discussion_ids,
                "peer_fell_back",
                now,
                ctx.links,
                lifecycle.DISPUTE_EXPIRED,
            )
        )
    return aftermath


async def run_deadlines(
    session: AsyncSession, now: datetime, ctx: Context, batch: int = 1000
) -> tuple[int, Aftermath]:
    """Fall back one batch of what is due at `now`; the caller commits and repeats."""
    ids = list(
        await session.scalars(
            select(Completion.id).where(due(now)).order_by(Completion.deadline).limit(batch)
        )
    )
    return await fall_back(session, ids, now, ctx) if ids else (0, Aftermath())
