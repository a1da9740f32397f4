"""The demo registrant's CET history: Olivia, an optometrist, with completions in last
CET year and this one, so the cycle dashboard shows real totals, missing competencies
and suggestions (`peercet demo`).

Made by the project's own actions at past moments (a pass, a choice, a discussion with
messages on every prompt and two validations, a fallback at the deadline), so dates,
CET years, cycles and point records are what the rules make them. Uploads are data: a
batch (without a file) on the Friday after each completion, the latest left for the
next weekly upload. What the history wrote to the outbox is marked sent and its
notifications read: it is the past. Idempotent: an entry whose course either person
already has in its cycle is left alone; an entry that would end after `now` is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.actions import Post, store_messages, validate
from discussion.deadlines import fall_back
from discussion.opening import open_discussion
from peercet.completions import lifecycle
from peercet.completions.actions import choose, in_cycle, record_pass
from peercet.completions.lifecycle import Mode
from peercet.core.context import Context
from peercet.core.settings import Settings
from peercet.core.tables import (
    Completion,
    Course,
    DiscussionPrompt,
    Notification,
    OutgoingEmail,
    Registrant,
    UploadBatch,
)
from workers.schedule import next_weekly_run

WHO = "olivia@demo.peercet.test"
PEER = "dina@demo.peercet.test"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Entry:
    ref: str
    how: str  # "pass" (a non-interactive course), "choose", "discuss", "fall_back"
    month_day: tuple[int, int] | None = None  # last CET year, on this date
    days_ago: float = 0.0  # this CET year, this long before now


HISTORY = (
    Entry("C-10437", "pass", month_day=(3, 10)),
    Entry("C-10468", "discuss", month_day=(6, 16)),
    Entry("C-10473", "choose", month_day=(10, 13)),
    Entry("C-10452", "discuss", days_ago=120),
    Entry("C-10489", "fall_back", days_ago=60),
    Entry("C-10531", "pass", days_ago=1 / 24),  # completed an hour ago: not uploaded yet
)


def passed_at(entry: Entry, now: datetime, tz: ZoneInfo) -> datetime:
    """When the entry's exam was passed: last CET year's date, or so long before now
    (never before this CET year began)."""
    year = lifecycle.cet_year(now, tz)
    if entry.month_day is not None:
        month, day = entry.month_day
        return datetime(year - 1, month, day, 10, 0, tzinfo=tz).astimezone(UTC)
    began = lifecycle.cutoff(year - 1, tz)
    return max(now - timedelta(days=entry.days_ago), began + HOUR).astimezone(UTC)


async def _person(session: AsyncSession, email: str) -> Registrant | None:
    found: Registrant | None = await session.scalar(
        select(Registrant).where(Registrant.email == email)
    )
    return found


async def _discuss(
    session: AsyncSession, people: list[Registrant], course: Course, at: datetime, ctx: Context
) -> datetime:
    """Both pass and choose the discussion, are paired, write on every prompt, validate."""
    mine = [(await record_pass(session, p, course, at, ctx)).completion for p in people]
    for c in mine:
        await choose(session, c, course, Mode.INTERACTIVE, at, ctx)
    discussion, _ = await open_discussion(session, mine, at + HOUR, ctx)
    prompts = await session.scalars(
        select(DiscussionPrompt).where(DiscussionPrompt.discussion_id == discussion.id)
    )
    posts = [
        Post(discussion.id, p.id, f"demo-{discussion.id}-{p.id}-{q.id}",
             f"{p.name.split()[0]}: on '{q.text[:60]}...' I would start from the history.", q.id)
        for q in prompts for p in people
    ]  # fmt: skip
    await store_messages(session, posts, at + 2 * HOUR)
    for n, p in enumerate(people):
        thought = "A useful discussion: I will change how I explain this to patients."
        await validate(session, p.id, discussion.id, True, thought, at + (3 + n) * HOUR, ctx)
    return at + 4 * HOUR


async def _alone(session: AsyncSession, who: Registrant, course: Course, entry: Entry,
                 at: datetime, ctx: Context) -> datetime:  # fmt: skip
    completion = (await record_pass(session, who, course, at, ctx)).completion
    if entry.how == "choose":
        await choose(session, completion, course, Mode.NON_INTERACTIVE, at + HOUR, ctx)
        return at + HOUR
    if entry.how == "fall_back":
        await choose(session, completion, course, Mode.INTERACTIVE, at, ctx)
        await fall_back(session, [completion.id], completion.deadline, ctx)
        return completion.deadline
    return at


def ends_at(entry: Entry, at: datetime, tz: ZoneInfo) -> datetime:
    """When the entry's last step happens: it must not be after now."""
    if entry.how == "fall_back":
        return lifecycle.deadline(at, tz)
    return at + {"pass": 0 * HOUR, "choose": HOUR}.get(entry.how, 4 * HOUR)


async def _upload(
    session: AsyncSession, completions: list[Completion], now: datetime, settings: Settings
) -> None:
    """Every completion but the latest uploaded on the Friday after it, as data."""
    for c in sorted(completions, key=lambda c: c.completed_at or now)[:-1]:
        friday = next_weekly_run(c.completed_at or now, settings.upload_time, settings.timezone)
        if friday > now:
            continue
        batch = UploadBatch(created_at=friday, rows=1, final=False)
        session.add(batch)
        await session.flush()
        c.upload_batch_id, c.uploaded_at = batch.id, friday
    await session.flush()


async def _quieten(session: AsyncSession, email_from: int, note_from: int) -> None:
    """The history's emails were sent and its notifications read when they happened."""
    await session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id > email_from, OutgoingEmail.sent_at.is_(None))
        .values(sent_at=OutgoingEmail.created_at)
    )
    await session.execute(
        update(Notification)
        .where(Notification.id > note_from, Notification.read_at.is_(None))
        .values(read_at=Notification.created_at)
    )


async def _already(session: AsyncSession, people: list[Registrant], course: Course,
                   at: datetime, ctx: Context) -> bool:  # fmt: skip
    cycle = ctx.settings.cycles.label(lifecycle.cet_year(at, ctx.tz))
    return any([await in_cycle(session, p.id, course.id, cycle) is not None for p in people])


async def load_history(session: AsyncSession, now: datetime, ctx: Context) -> int:
    """Make whatever of HISTORY is missing; how many entries were made. Times in UTC, as
    the clock gives them (14 x 24 hours is not 14 days of wall clock across summer time)."""
    now = now.astimezone(UTC)
    who, peer = await _person(session, WHO), await _person(session, PEER)
    if who is None or peer is None:
        return 0
    tz = ctx.tz
    email_from = await session.scalar(select(func.coalesce(func.max(OutgoingEmail.id), 0)))
    note_from = await session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
    made = 0
    for entry in HISTORY:
        course = await session.scalar(select(Course).where(Course.ref == entry.ref))
        at = passed_at(entry, now, tz)
        people = [who, peer] if entry.how == "discuss" else [who]
        if course is None or ends_at(entry, at, tz) > now:
            continue
        if await _already(session, people, course, at, ctx):
            continue
        if entry.how == "discuss":
            await _discuss(session, people, course, at, ctx)
        else:
            await _alone(session, who, course, entry, at, ctx)
        made += 1
    if made:
        refs = [e.ref for e in HISTORY]
        ours = await session.scalars(
            select(Completion).where(
                Completion.registrant_id.in_([who.id, peer.id]),
                Completion.course_id.in_(select(Course.id).where(Course.ref.in_(refs))),
                Completion.upload_batch_id.is_(None),
                Completion.completed_at.is_not(None),
            )
        )
        await _upload(session, list(ours), now, ctx.settings)
        await _quieten(session, int(email_from or 0), int(note_from or 0))
    return made
