"""Deadline reminders: 3 days and 1 day before the deadline of a registrant still
seeking a peer or in a discussion, each reminder once (a notification and an email).

A registrant who first becomes due for a reminder inside the 1-day window gets only the
1-day one. The worker runs this every five minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.lifecycle import State
from peercet.notify import Addressed, Notice, notify_many, scheme_time
from peercet.tables import Completion, Course, Registrant

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
    tz: ZoneInfo, base_url: str,
) -> Notice:  # fmt: skip
    when = scheme_time(deadline, tz)
    doing = (
        "finish your discussion and validate it"
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
        link=f"{base_url}/account/completions/{completion_id}",
        dedupe_key=f"reminder:{completion_id}:{days}d",
    )


async def send_reminders(
    session: AsyncSession, now: datetime, tz: ZoneInfo, base_url: str = ""
) -> int:
    """Write every reminder due at `now` that was not written before; returns how many."""
    widest = max(REMINDERS)
    rows = await session.execute(
        select(Completion.id, Completion.state, Completion.deadline, Registrant, Course.ref,
               Course.title)
        .join(Registrant, Registrant.id == Completion.registrant_id)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.state.in_(WAITING), Completion.deadline > now,
               Completion.deadline <= now + widest)
        .order_by(Completion.id)
    )  # fmt: skip
    items = []
    for cid, state, deadline, registrant, ref, title in rows:
        window = due_reminder(deadline, now)
        if window is not None:
            notice = reminder_notice(cid, state, ref, title, deadline, window, tz, base_url)
            items.append(Addressed(registrant, notice, cid))
    return await notify_many(session, items, now)
