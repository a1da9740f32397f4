"""Completion actions: check and change state inside the caller's transaction.

Every state change is a conditional UPDATE on the current state, so two processes
racing (a validation and a deadline, two deadline runs) change a completion once;
the unique point record per completion is the last line of defence (rule 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.opening import close_discussions
from peercet.completions import lifecycle
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import Mode, State
from peercet.core import audit
from peercet.core.context import Context
from peercet.core.errors import Conflict
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, PointRecord, Registrant
from peercet.goc import links
from peercet.notify.notices import Addressed, Notice, notify, notify_many

OPEN = [s.value for s in lifecycle.OPEN_STATES]


@dataclass
class PassResult:
    completion: Completion
    created: bool
    aftermath: Aftermath
    award: PointRecord | None = None


async def in_cycle(
    session: AsyncSession, registrant_id: int, course_id: int, cycle: str
) -> Completion | None:
    """The registrant's completion of the course in `cycle` (the latest, should a cycle
    hold completions from before once-per-cycle: see tables.Completion)."""
    completion: Completion | None = await session.scalar(
        select(Completion)
        .where(
            Completion.registrant_id == registrant_id,
            Completion.course_id == course_id,
            Completion.cycle == cycle,
        )
        .order_by(Completion.legacy_repeat.desc())
        .limit(1)
    )
    return completion


async def _existing(session: AsyncSession, completion: Completion) -> PassResult:
    award = await award_of(session, completion.id)
    return PassResult(completion, created=False, aftermath=Aftermath(), award=award)


async def record_pass(
    session: AsyncSession, registrant: Registrant, course: Course, now: datetime, ctx: Context
) -> PassResult:
    """Rule 1: a pass creates the completion for this cycle, at most once; a second pass
    (or two at once: the unique constraint decides) answers with the existing one."""
    tz = ctx.tz
    year = lifecycle.cet_year(now, tz)
    cycle = ctx.settings.cycles.label(year)
    existing = await in_cycle(session, registrant.id, course.id, cycle)
    if existing is not None:
        return await _existing(session, existing)
    state = lifecycle.initial_state(course.interactive)
    completion = Completion(
        registrant_id=registrant.id,
        course_id=course.id,
        cet_year=year,
        cycle=cycle,
        state=state.value,
        passed_at=now,
        deadline=lifecycle.deadline(now, tz),
        fallback=False,
        completed_at=None if lifecycle.is_open(state) else now,
    )
    try:
        async with session.begin_nested():
            session.add(completion)
    except IntegrityError:  # another pass of the same course and cycle committed first
        raced = await in_cycle(session, registrant.id, course.id, cycle)
        if raced is None:
            raise
        return await _existing(session, raced)
    award = None
    if state is State.COMPLETED_NON_INTERACTIVE:
        award = (await _award(session, [completion], course, Mode.NON_INTERACTIVE, now))[0]
        await notify_completed(session, registrant, completion, course, now, ctx)
    aftermath = Aftermath([completion_delivery(completion, course, award)])
    if lifecycle.is_open(state):
        aftermath.deadlines.append((completion.id, completion.deadline))
    return PassResult(completion, created=True, aftermath=aftermath, award=award)


async def choose(
    session: AsyncSession,
    completion: Completion,
    course: Course,
    mode: Mode,
    now: datetime,
    ctx: Context,
) -> Aftermath:
    """Rule 2: the registrant's choice; a non-interactive choice is final. (A course
    made non-interactive since the pass still lets its open completions take the point.)"""
    if not course.interactive and mode is Mode.INTERACTIVE:
        raise Conflict("this course has no interactive discussion", "not_interactive")
    state = State(completion.state)
    result = lifecycle.choose(state, completion.fallback, mode)
    if not result.changed:
        return Aftermath()
    if lifecycle.is_open(state) and now >= completion.deadline:
        raise Conflict("the deadline for this completion has passed", "deadline_passed")
    values: dict[str, Any] = {"state": result.state.value}
    if result.state is State.SEEKING_PEER:
        values["queued_at"] = now
    else:
        values["completed_at"] = now
    try:
        await _move(session, completion, state, values)
    except Conflict:
        await session.refresh(completion)
        if lifecycle.choose(State(completion.state), completion.fallback, mode).changed:
            raise
        return Aftermath()  # the same choice, made meanwhile (a double click): nothing to do
    if result.state is State.SEEKING_PEER:
        return Aftermath([completion_delivery(completion, course, None)], requeue=[completion.id])
    award = (await _award(session, [completion], course, Mode.NON_INTERACTIVE, now))[0]
    aftermath = Aftermath([completion_delivery(completion, course, award)])
    if result.leaves_queue:
        aftermath.dequeue.append(completion.id)
    registrant = await session.get_one(Registrant, completion.registrant_id)
    await notify_completed(session, registrant, completion, course, now, ctx)
    return aftermath


async def _move(
    session: AsyncSession, completion: Completion, expected: State, values: dict[str, Any]
) -> None:
    """Change one completion's state only if nobody changed it meanwhile."""
    result = await session.execute(
        update(Completion)
        .where(Completion.id == completion.id, Completion.state == expected.value)
        .values(**values)
        .returning(Completion.id)
    )
    if result.first() is None:
        raise Conflict("the completion changed meanwhile; reload and try again", "state_changed")
    await session.refresh(completion)


async def _award(
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


async def awards_of(session: AsyncSession, completion_ids: Sequence[int]) -> dict[int, PointRecord]:
    """The point records of these completions, by completion id (none while open)."""
    rows = await session.scalars(
        select(PointRecord).where(PointRecord.completion_id.in_(completion_ids))
    )
    return {record.completion_id: record for record in rows}


async def award_of(session: AsyncSession, completion_id: int) -> PointRecord | None:
    """The completion's point record, or None while it is open."""
    return await session.scalar(
        select(PointRecord).where(PointRecord.completion_id == completion_id)
    )


async def complete_interactive(
    session: AsyncSession, completion_ids: Sequence[int], now: datetime
) -> list[tuple[Completion, PointRecord]]:
    """Rule 3: both completions become interactive together, or neither does; each with
    its point record."""
    deadlines = await session.scalars(
        select(Completion.deadline).where(Completion.id.in_(completion_ids))
    )
    if any(deadline <= now for deadline in deadlines):  # a deadline never changes
        raise Conflict("a completion's deadline passed before the validation", "deadline_passed")
    # The state alone in this WHERE: with the deadline too, SQLite (no statistics) would
    # scan the (state, deadline) index instead of looking up two primary keys.
    result = await session.execute(
        update(Completion)
        .where(Completion.id.in_(completion_ids), Completion.state == State.IN_DISCUSSION.value)
        .values(state=State.COMPLETED_INTERACTIVE.value, completed_at=now)
        .returning(Completion.id)
    )
    if len(result.all()) != len(completion_ids):
        raise Conflict(
            "a completion changed before the validation (its deadline?)", "deadline_passed"
        )
    completions = list(
        (await session.scalars(select(Completion).where(Completion.id.in_(completion_ids)))).all()
    )
    for completion in completions:
        await session.refresh(completion)
    course = await session.get_one(Course, completions[0].course_id)
    awards = await _award(session, completions, course, Mode.INTERACTIVE, now)
    return list(zip(completions, awards, strict=True))


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


async def courses_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Course]:
    rows = await session.scalars(select(Course).where(Course.id.in_(ids)))
    return {course.id: course for course in rows}


def due_filter(now: datetime) -> Any:
    return and_(Completion.state.in_(OPEN), Completion.deadline <= now)


async def fall_back(
    session: AsyncSession, completion_ids: Sequence[int], now: datetime, ctx: Context
) -> tuple[int, Aftermath]:
    """Rule 4: complete as non-interactive by deadline those still open and due."""
    rows = await session.execute(
        update(Completion)
        .where(Completion.id.in_(completion_ids), due_filter(now))
        .values(
            state=State.COMPLETED_NON_INTERACTIVE.value,
            fallback=True,
            completed_at=Completion.deadline,
        )
        .returning(Completion.id)
    )
    fallen_ids = [row[0] for row in rows]
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
        records = await _award(session, of_course, course, Mode.NON_INTERACTIVE, now)
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
            select(Completion.id).where(due_filter(now)).order_by(Completion.deadline).limit(batch)
        )
    )
    return await fall_back(session, ids, now, ctx) if ids else (0, Aftermath())
