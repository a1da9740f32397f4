"""The demo registrant's history (`peercet demo`): made by the project's own actions,
consistent with the rules (dates, CET years, cycles, one point record each, uploads on
Fridays), idempotent, and never in the future."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.cli import demo
from peercet.completions import lifecycle
from peercet.core.tables import (
    Completion,
    Course,
    Discussion,
    Notification,
    OutgoingEmail,
    PointRecord,
    Registrant,
    Validation,
)
from tests.support.context import context

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 4, 14, 0, tzinfo=LONDON)


async def _load(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessions() as session, session.begin():
        history: int = (await demo.load(session, now, context()))["history"]
        return history


async def _of(session: AsyncSession, email: str) -> list[tuple[Completion, str]]:
    rows = await session.execute(
        select(Completion, Course.ref)
        .join(Course, Course.id == Completion.course_id)
        .join(Registrant, Registrant.id == Completion.registrant_id)
        .where(Registrant.email == email)
        .order_by(Completion.passed_at)
    )
    return [(c, ref) for c, ref in rows]


async def test_the_history_follows_the_rules_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await _load(sessions, NOW) == 6
    assert await _load(sessions, NOW) == 0  # idempotent
    async with sessions() as session:
        mine = await _of(session, "olivia@demo.peercet.test")
        dinas = await _of(session, "dina@demo.peercet.test")
        records = await session.scalar(select(func.count(PointRecord.id)))
        awarded = await session.execute(select(PointRecord.completion_id, PointRecord.kind))
        kinds = {completion_id: kind for completion_id, kind in awarded}
        discussions = list(await session.scalars(select(Discussion)))
        validations = await session.scalar(select(func.count(Validation.id)))
        unsent = await session.scalar(
            select(func.count(OutgoingEmail.id)).where(OutgoingEmail.sent_at.is_(None))
        )
        unread = await session.scalar(
            select(func.count(Notification.id)).where(Notification.read_at.is_(None))
        )
    assert [ref for _, ref in mine] == [
        "C-10437", "C-10468", "C-10473", "C-10452", "C-10489", "C-10531",
    ]  # fmt: skip
    assert [c.cet_year for c, _ in mine] == [2025, 2025, 2025, 2026, 2026, 2026]
    assert [kinds[c.id] for c, _ in mine] == [
        "non_interactive", "interactive", "non_interactive", "interactive", "non_interactive",
        "non_interactive",
    ]  # fmt: skip
    assert records == len(mine) + len(dinas) == 8  # one point record each
    for c, _ in mine + dinas:
        assert c.cet_year == lifecycle.cet_year(c.passed_at, LONDON)
        assert c.cycle == "2025-2027"
        assert c.deadline == lifecycle.deadline(c.passed_at, LONDON)
        assert c.completed_at is not None and c.passed_at <= c.completed_at <= NOW
    fallen = next(c for c, ref in mine if ref == "C-10489")
    assert fallen.fallback and fallen.completed_at == fallen.deadline
    assert [d.state for d in discussions] == ["completed", "completed"] and validations == 4
    uploaded = [c for c, _ in mine if c.uploaded_at is not None]
    assert len(uploaded) == 5 and mine[-1][0].uploaded_at is None  # the latest waits
    for c in uploaded:
        assert c.uploaded_at is not None and c.completed_at is not None
        local = c.uploaded_at.astimezone(LONDON)
        assert (local.weekday(), local.hour) == (4, 9) and c.completed_at < local <= NOW
    assert unsent == 0 and unread == 0  # the past: sent and read


async def test_early_in_a_cet_year_what_would_end_after_now_is_left_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    early = datetime(2027, 1, 2, 10, 0, tzinfo=LONDON)  # CET year 2027 began on 30 December
    assert await _load(sessions, early) == 5  # no fallback yet: its deadline is ahead
    async with sessions() as session:
        mine = await _of(session, "olivia@demo.peercet.test")
    assert [c.cet_year for c, _ in mine] == [2026, 2026, 2026, 2027, 2027]
    assert all(c.completed_at is not None and c.completed_at <= early for c, _ in mine)
