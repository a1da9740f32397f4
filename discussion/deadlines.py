"""A completion's deadline where discussions meet completions (rule 4): the fallback at
it, which also closes the discussion the fallen completion was in, and the reminders
before it (3 days and 1 day), which in a discussion count to its `closes_at`.

`apply_due` and `apply_one` are shared by `peercet deadlines run`, the per-completion
deadline job and the sweep; a decision on a dispute whose deadline has passed calls
`fall_back`. Each closes the discussions in the transaction that fell the completions
back, so a fallback and its closing commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.opening import close_discussions, closing_times
from peercet.completions import fallback, lifecycle
from peercet.completions.lifecycle import State
from peercet.core.context import Context, Links
from peercet.core.db import transaction
from peercet.core.publish import AfterCommit, Aftermath, in_batches, nothing_after
from peercet.core.tables import Completion, Course, Participant, Registrant
from peercet.notify.notices import Addressed, Notice, notify_many, scheme_time

Progress = Callable[[int], None]  # told the running total after each batch
BATCH = 1000
FELL_BACK = "peer_fell_back"  # why a fallen completion's discussion closed


async def fall_back(
    session: AsyncSession, completion_ids: Sequence[int], now: datetime, ctx: Context
) -> tuple[int, Aftermath]:
    """Rule 4 for these completions if still open and due, and their discussions closed."""
    fallen = await fallback.fall_back(session, completion_ids, now, ctx)
    aftermath = fallen.aftermath
    if fallen.discussion_ids:
        aftermath.extend(
            await close_discussions(
                session, fallen.discussion_ids, FELL_BACK, now, ctx.links,
                lifecycle.DISPUTE_EXPIRED,
            )
        )  # fmt: skip
    return fallen.how_many, aftermath


async def run_deadlines(
    session: AsyncSession, now: datetime, ctx: Context, batch: int = BATCH
) -> tuple[int, Aftermath]:
    """Fall back one batch of what is due at `now`; the caller commits and repeats."""
    ids = await fallback.due_ids(session, now, batch)
    return await fall_back(session, ids, now, ctx) if ids else (0, Aftermath())


async def apply_due(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    ctx: Context,
    after_commit: AfterCommit = nothing_after,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> int:
    """Fall back everything due, a batch per transaction; returns how many fell back."""

    async def step(session: AsyncSession) -> tuple[int, Aftermath]:
        return await run_deadlines(session, now, ctx, batch)

    return await in_batches(sessions, step, batch, after_commit, progress)


async def apply_one(
    sessions: async_sessionmaker[AsyncSession],
    completion_id: int,
    now: datetime,
    ctx: Context,
    after_commit: AfterCommit = nothing_after,
) -> int:
    """The deadline job's work: this completion only, if it is still open and due."""
    async with transaction(sessions) as session:
        count, aftermath = await fall_back(session, [completion_id], now, ctx)
    await after_commit(aftermath)
    return count


# Reminders: 3 days and 1 day before the deadline of a registrant still seeking a peer or
# in a discussion, each once (a notification and an email); in a discussion the deadline
# is the discussion's, the earlier of the pair's. One who first becomes due inside the
# 1-day window gets only the 1-day one. The worker runs this every five minutes.
REMINDERS = (timedelta(days=3), timedelta(days=1))  # before the deadline, widest first
WAITING = (State.SEEKING_PEER.value, State.IN_DISCUSSION.value)


def due_reminder(
    deadline: datetime, now: datetime, reminders: Sequence[timedelta] = REMINDERS
) -> timedelta | None:
    """The reminder a completion is due for at `now`: the narrowest window it is in."""
    left = deadline - now
    if left <= timedelta(0):
        return None
    inside = [window for window in reminders if left <= window]
    return min(inside) if inside else None


def reminder_notice(
    completion_id: int, state: str, ref: str, title: str, deadline: datetime, window: timedelta,
    tz: ZoneInfo,
) -> Notice:  # fmt: skip
    when = scheme_time(deadline, tz)
    doing = (
        "finish your discussion and validate it (it closes then, at the earlier of your "
        "two deadlines)"
        if state == State.IN_DISCUSSION
        else "find a discussion partner (or invite a colleague)"
    )
    days = window.days
    return Notice(
        kind="reminder",
        subject=f"{days} day{'s' if days != 1 else ''} left for your interactive CET: {ref}",
        body=(
            f"Your interactive CET for {ref} {title} has a deadline of {when}. "
            f"To earn the interactive point, {doing} before then; otherwise it is completed "
            "as a non-interactive point automatically."
        ),
        link=f"/account/completions/{completion_id}",
        dedupe_key=f"reminder:{completion_id}:{days}d",
    )


COLUMNS = (Completion.id, Completion.state, Completion.deadline, Completion.discussion_id,
           Registrant, Course.ref, Course.title)  # fmt: skip


DueSelect = Select[int, str, datetime, int | None, Registrant, str, str]
DueRow = Row[int, str, datetime, int | None, Registrant, str, str]


def _query() -> DueSelect:
    return (
        select(*COLUMNS)
        .join(Registrant, Registrant.id == Completion.registrant_id)
        .join(Course, Course.id == Completion.course_id)
        .order_by(Completion.id)
    )


def _rooms(rows: list[DueRow]) -> set[int]:
    return {r.discussion_id for r in rows if r.state == State.IN_DISCUSSION and r.discussion_id}


async def _due_rows(session: AsyncSession, now: datetime) -> list[DueRow]:
    """Who may be due: a deadline within the widest window, and, in a discussion, the
    partner too (the discussion closes at the earlier of the two deadlines)."""
    rows = list(await session.execute(
        _query().where(Completion.state.in_(WAITING), Completion.deadline > now,
                       Completion.deadline <= now + max(REMINDERS))
    ))  # fmt: skip
    seen = {row.id for row in rows}
    rooms = _rooms(rows)
    if rooms:
        partners = await session.execute(
            _query()
            .join(Participant, Participant.completion_id == Completion.id)
            .where(Participant.discussion_id.in_(sorted(rooms)),
                   Completion.discussion_id == Participant.discussion_id,
                   Completion.state == State.IN_DISCUSSION.value)
        )  # fmt: skip
        rows.extend(row for row in partners if row.id not in seen)
    return rows


async def send_reminders(session: AsyncSession, now: datetime, tz: ZoneInfo, links: Links) -> int:
    """Write every reminder due at `now` that was not written before; returns how many.
    In a discussion the date is its `closes_at`, the pair's one deadline (rule 4)."""
    rows = await _due_rows(session, now)
    rooms = _rooms(rows)
    closing = await closing_times(session, rooms) if rooms else {}
    items = []
    for cid, state, deadline, room, registrant, ref, title in rows:
        due_at = closing.get(room, deadline) if room is not None else deadline
        window = due_reminder(due_at, now)
        if window is not None:
            notice = reminder_notice(cid, state, ref, title, due_at, window, tz)
            items.append(Addressed(registrant, notice, cid))
    return await notify_many(session, items, now, links)
