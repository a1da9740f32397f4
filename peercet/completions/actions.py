"""Completion actions, passes and choices: check and change state inside the caller's
transaction. Points are in `awards`, the deadline's fallback in `fallback`.

Every state change is a move (`moves.move`): a conditional UPDATE from the states the
lifecycle table allows, so two processes racing change a completion once; the unique
point record per completion is the last line of defence (rule 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions import lifecycle
from peercet.completions.awards import grant, notify_completed
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import Mode, State
from peercet.completions.moves import move
from peercet.core.context import Context
from peercet.core.errors import Conflict
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, PointRecord, Registrant

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
        [award] = await grant(session, [completion], course, Mode.NON_INTERACTIVE, now)
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
    if lifecycle.is_open(state) and not lifecycle.within_deadline(completion.deadline, now):
        raise Conflict("the deadline for this completion has passed", "deadline_passed")
    if not await _move_to(session, completion, state, mode, now):
        return Aftermath()  # the same choice, made meanwhile (a double click): nothing to do
    if result.state is State.SEEKING_PEER:
        return Aftermath([completion_delivery(completion, course, None)], requeue=[completion.id])
    [point] = await grant(session, [completion], course, Mode.NON_INTERACTIVE, now)
    aftermath = Aftermath([completion_delivery(completion, course, point)])
    if result.leaves_queue:
        aftermath.dequeue.append(completion.id)
    registrant = await session.get_one(Registrant, completion.registrant_id)
    await notify_completed(session, registrant, completion, course, now, ctx)
    return aftermath


async def _move_to(
    session: AsyncSession, completion: Completion, state: State, mode: Mode, now: datetime
) -> bool:
    """Move to the choice from `state` only if nobody changed the completion meanwhile:
    False if the same choice was made meanwhile, a conflict if another change was."""
    when = {"queued_at": now} if mode is Mode.INTERACTIVE else {"completed_at": now}
    event = lifecycle.CHOICE_EVENTS[mode]
    moved = await move(session, [completion.id], event, now, source=state, **when)
    await session.refresh(completion)
    if moved:
        return True
    if lifecycle.choose(State(completion.state), completion.fallback, mode).changed:
        raise Conflict("the completion changed meanwhile; reload and try again", "state_changed")
    return False


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


async def courses_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Course]:
    rows = await session.scalars(select(Course).where(Course.id.in_(ids)))
    return {course.id: course for course in rows}
