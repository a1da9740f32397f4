"""Points (rule 6): the interactive completion of a pair, the point records, and the
notice that a CET is complete.

A point record is written only by whoever moved the completion (`moves.move` returns
the ids it moved), and the unique record per completion is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions import lifecycle, links
from peercet.completions.lifecycle import Event, Mode, State
from peercet.completions.moves import move
from peercet.core.context import Context
from peercet.core.errors import Conflict
from peercet.core.tables import Completion, Course, PointRecord, Registrant
from peercet.notify.notices import Notice, notify


async def grant(
    session: AsyncSession,
    completions: Sequence[Completion],
    course: Course,
    mode: Mode,
    now: datetime,
) -> list[PointRecord]:
    """The point records (rule 6), in the order of `completions`: what is shown and
    uploaded from now on, whatever the course is worth later."""
    rows = [
        {
            "completion_id": c.id,
            "registrant_id": c.registrant_id,
            "kind": mode.value,
            "points": course.points,
            "awarded_at": now,
        }
        for c in completions
    ]
    if not rows:
        return []
    records = {
        r.completion_id: r
        for r in await session.scalars(insert(PointRecord).returning(PointRecord), rows)
    }
    return [records[c.id] for c in completions]


async def complete_interactive(
    session: AsyncSession,
    completion_ids: Sequence[int],
    now: datetime,
    transition: Event = Event.VALIDATED,
) -> list[tuple[Completion, PointRecord]]:
    """Rule 3: both completions become interactive together, or neither does; each with
    its point record. `transition` is the validation, or a moderator's award (rule 3)."""
    deadlines = await session.scalars(
        select(Completion.deadline).where(Completion.id.in_(completion_ids))
    )
    if not all(lifecycle.within_deadline(d, now) for d in deadlines):  # deadlines never change
        raise Conflict("a completion's deadline passed before the validation", "deadline_passed")
    moved = await move(session, completion_ids, transition, now, completed_at=now)
    if len(moved) != len(completion_ids):
        raise Conflict(
            "a completion changed before the validation (its deadline?)", "deadline_passed"
        )
    completions = list(
        (await session.scalars(select(Completion).where(Completion.id.in_(completion_ids)))).all()
    )
    for completion in completions:
        await session.refresh(completion)
    course = await session.get_one(Course, completions[0].course_id)
    records = await grant(session, completions, course, Mode.INTERACTIVE, now)
    return list(zip(completions, records, strict=True))


def certificate_link(ctx: Context, completion_id: int, now: datetime) -> str:
    """The signed, absolute download link the completion email carries."""
    return links.links(ctx.settings, completion_id, now).download


def completed_notice(completion: Completion, course: Course, link: str) -> Notice:
    kind = "interactive" if completion.state == State.COMPLETED_INTERACTIVE else "non-interactive"
    how = " by the deadline" if completion.fallback else ""
    body = (
        f"Your CET for {course.ref} {course.title} is complete{how}: "
        f"{course.points} {kind} point(s). Your certificate is in your account."
    )
    return Notice(
        kind="fallback" if completion.fallback else "completed",
        subject=f"CET completed: {course.ref}",
        body=body,
        link=link,
        dedupe_key=f"completed:{completion.id}",
    )


async def notify_completed(
    session: AsyncSession,
    registrant: Registrant,
    completion: Completion,
    course: Course,
    now: datetime,
    ctx: Context,
) -> None:
    link = certificate_link(ctx, completion.id, now)
    notice = completed_notice(completion, course, link)
    await notify(session, registrant, notice, now, ctx.links, completion_id=completion.id)
