"""Pending points (DOMAIN.md rule 9): once uploaded, a CET year's points wait in the
registrant's MyGOC account until they accept them there, by midnight on 31 December of
that year. Through December the service reminds every registrant with points of that
year uploaded: a banner on their account pages, and a notification with an email early
in December and again after the year's final upload, each once (dedupe keys).

The rules (what is due when) are pure functions of `now`; `send_pending_reminders` is
the worker's periodic duty, idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions.lifecycle import cutoff
from peercet.core.context import Links
from peercet.core.tables import Completion, PointRecord, Registrant
from peercet.notify.notices import Addressed, Notice, notify_many

DECEMBER = 12


class Reminder(StrEnum):
    EARLY = "early"  # from 1 December, until the year's final upload
    FINAL = "final"  # after the year's final upload, until midnight on 31 December


def accept_by(year: int, tz: ZoneInfo) -> datetime:
    """Midnight at the end of 31 December of `year`, scheme time."""
    return datetime(year + 1, 1, 1, tzinfo=tz)


def december_of(now: datetime, tz: ZoneInfo) -> int | None:
    """The CET year whose pending points are reminded of at `now`: December's, else none."""
    local = now.astimezone(tz)
    return local.year if local.month == DECEMBER else None


def due_reminder(now: datetime, tz: ZoneInfo, year_uploaded: bool) -> Reminder | None:
    """The reminder due at `now`: the early one through December until the year is
    uploaded whole (its final upload), the final one from then to the end of the year."""
    year = december_of(now, tz)
    if year is None:
        return None
    if year_uploaded and now >= cutoff(year, tz):
        return Reminder.FINAL
    return Reminder.EARLY


def reminder_notice(registrant_id: int, year: int, points: int, which: Reminder) -> Notice:
    after = "The final upload of the year is done: " if which is Reminder.FINAL else ""
    return Notice(
        kind="pending_points",
        subject=f"Accept your {year} CET points in MyGOC by 31 December",
        body=(
            f"{after}{points} CET point(s) of {year} have been uploaded to the GOC and are "
            "pending in your MyGOC account. Accept them there by midnight on "
            f"31 December {year}."
        ),
        link="/account",
        dedupe_key=f"pending:{registrant_id}:{year}:{which.value}",
    )


@dataclass(frozen=True)
class Pending:
    """What a registrant has pending for `year`: the banner's figures."""

    year: int
    points: int

    def banner(self) -> str:
        return (
            f"{self.points} CET point(s) of {self.year} uploaded to the GOC are pending in "
            f"your MyGOC account: accept them there by midnight on 31 December {self.year}."
        )


def _uploaded_points(year: int, now: datetime) -> ColumnElement[bool]:
    """Completions of `year` uploaded by `now`."""
    return and_(Completion.cet_year == year, Completion.uploaded_at <= now)


async def pending_of(
    session: AsyncSession, registrant_id: int, now: datetime, tz: ZoneInfo
) -> Pending | None:
    """The account pages' banner through December: the points of this year uploaded."""
    year = december_of(now, tz)
    if year is None:
        return None
    points = await session.scalar(
        select(func.coalesce(func.sum(PointRecord.points), 0))
        .join(Completion, Completion.id == PointRecord.completion_id)
        .where(Completion.registrant_id == registrant_id, _uploaded_points(year, now))
    )
    return Pending(year, int(points)) if points else None


async def year_uploaded(session: AsyncSession, year: int) -> bool:
    """Nothing of `year` (or before) is still to upload, open or completed: what the
    year's final upload leaves (or nothing was left for it)."""
    waiting = Completion.upload_batch_id.is_(None)
    return not await session.scalar(select(exists().where(Completion.cet_year <= year, waiting)))


async def send_pending_reminders(
    session: AsyncSession, now: datetime, tz: ZoneInfo, links: Links
) -> int:
    """Write every pending-points reminder due at `now` not written before; how many."""
    year = december_of(now, tz)
    if year is None:
        return 0
    which = due_reminder(now, tz, await year_uploaded(session, year))
    if which is None:
        return 0
    rows = await session.execute(
        select(Registrant, func.sum(PointRecord.points))
        .join(Completion, Completion.registrant_id == Registrant.id)
        .join(PointRecord, PointRecord.completion_id == Completion.id)
        .where(_uploaded_points(year, now))
        .group_by(Registrant.id)
        .order_by(Registrant.id)
    )
    items = [
        Addressed(who, reminder_notice(who.id, year, int(points), which)) for who, points in rows
    ]
    return await notify_many(session, items, now, links)
