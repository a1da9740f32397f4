"""Deadline reminders: 3 days and 1 day before the deadline of a registrant still
seeking a peer or in a discussion, each reminder once (a notification and an email).
In a discussion the deadline is the discussion's: the earlier of the pair's deadlines.

A registrant who first becomes due for a reminder inside the 1-day window gets only the
1-day one. The worker runs this every five minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.opening import closing_times
from peercet.completions.lifecycle import State
from peercet.core.context import Links
from peercet.core.tables import Completion, Course, Participant, Registrant
from peercet.notify.notices import Addressed, Notice, notify_many, scheme_time

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
