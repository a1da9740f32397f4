"""Rule 1 against real databases: a course is completed at most once per cycle
(CYCLE_FIRST_YEAR, CYCLE_YEARS), the database enforcing it, and the cut-off deciding
the CET year and the upload of a pass."""

from __future__ import annotations

import asyncio
import csv
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, column, func, insert, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions import actions as completions
from peercet.completions.actions import record_pass
from peercet.completions.lifecycle import Cycles
from peercet.core.context import Context
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, PointRecord, Registrant, UTCDateTime
from peercet.goc import uploads
from tests.support import factories as f
from tests.support.context import context

CUT_2026 = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)  # noon in London (GMT)


async def _pass(
    sessions: async_sessionmaker[AsyncSession],
    who: Registrant,
    course: Course,
    at: datetime,
    ctx: Context | None = None,
) -> completions.PassResult:
    async with transaction(sessions) as session:
        return await record_pass(session, who, course, at, ctx or context())


async def _people_and_course(
    sessions: async_sessionmaker[AsyncSession], n: int = 1
) -> tuple[list[Registrant], Course]:
    async with transaction(sessions) as session:
        course = await f.course(session, interactive=False)
        return [await f.registrant(session) for _ in range(n)], course


async def _points(sessions: async_sessionmaker[AsyncSession], who: Registrant) -> int:
    async with sessions() as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(PointRecord.points), 0)).where(
                PointRecord.registrant_id == who.id
            )
        )
    return int(total or 0)


async def test_a_three_year_cycle_walked(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """Passed in 2025: nothing more in 2026 or 2027 (the pass of 30 December 2027 after
    noon is 2028's, the next cycle's, and earns again)."""
    (who,), course = await _people_and_course(sessions)
    first = await _pass(sessions, who, course, datetime(2025, 3, 2, 9, tzinfo=UTC))
    assert first.created
    assert (first.completion.cet_year, first.completion.cycle) == (2025, "2025-2027")
    for at in [
        datetime(2026, 6, 1, 9, tzinfo=UTC),
        datetime(2027, 2, 1, 9, tzinfo=UTC),
        datetime(2027, 12, 30, 11, 59, 59, tzinfo=UTC),  # just before 2027's cut-off
    ]:
        again = await _pass(sessions, who, course, at)
        assert not again.created and again.completion.id == first.completion.id
        assert await _points(sessions, who) == course.points
    nxt = await _pass(sessions, who, course, datetime(2027, 12, 30, 12, 0, tzinfo=UTC))
    assert nxt.created and nxt.completion.id != first.completion.id
    assert (nxt.completion.cet_year, nxt.completion.cycle) == (2028, "2028-2030")
    assert await _points(sessions, who) == 2 * course.points
    later = await _pass(sessions, who, course, datetime(2030, 5, 1, 9, tzinfo=UTC))
    assert not later.created and later.completion.id == nxt.completion.id


async def test_passes_either_side_of_the_cut_off_land_in_their_year_and_upload(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    (early, late), course = await _people_and_course(sessions, 2)
    before = await _pass(sessions, early, course, CUT_2026 - timedelta(seconds=1))
    same = await _pass(sessions, early, course, CUT_2026)  # once per cycle: the same one
    assert not same.created and same.completion.id == before.completion.id
    after = await _pass(sessions, late, course, CUT_2026)
    assert (before.completion.cet_year, after.completion.cet_year) == (2026, 2027)
    final = await uploads.run_upload(
        sessions, settings, CUT_2026 + timedelta(minutes=1), final_year=2026
    )
    assert final.final and _rows(final.path) == [(early.goc_number, "2026-12-30", "2026")]
    weekly = await uploads.run_upload(sessions, settings, datetime(2027, 1, 1, 9, tzinfo=UTC))
    assert not weekly.final and _rows(weekly.path) == [(late.goc_number, "2026-12-30", "2027")]


def _rows(path: Path | None) -> list[tuple[str, str, str]]:
    assert path is not None
    with path.open(encoding="utf-8", newline="") as handle:
        return [(r["goc_number"], r["completed_on"], r["cet_year"]) for r in csv.DictReader(handle)]


async def test_cycles_follow_the_settings_the_context_carries(
    database_url: str, settings: Settings
) -> None:
    engine = create_engine(database_url)
    ctx = context(replace(settings, cycles=Cycles(2024, 3)))
    try:
        sessions = session_factory(engine)
        (who,), course = await _people_and_course(sessions)
        first = await _pass(sessions, who, course, datetime(2026, 3, 2, 9, tzinfo=UTC), ctx)
        second = await _pass(sessions, who, course, datetime(2027, 3, 2, 9, tzinfo=UTC), ctx)
    finally:
        await engine.dispose()
    assert (first.completion.cycle, second.completion.cycle) == ("2024-2026", "2027-2029")
    assert second.created


async def test_two_passes_at_once_make_one_completion(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (who,), course = await _people_and_course(sessions)
    results = await asyncio.gather(*(_pass(sessions, who, course, f.T0) for _ in range(4)))
    assert len({r.completion.id for r in results}) == 1
    assert [r.created for r in results].count(True) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Completion)) == 1
        assert await session.scalar(select(func.count()).select_from(PointRecord)) == 1


async def test_a_pass_that_lost_the_race_answers_with_the_winner(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique constraint decides when two passes both found nothing: the loser's
    insert fails inside its savepoint and it answers with the committed completion."""
    (who,), course = await _people_and_course(sessions)
    winner = await _pass(sessions, who, course, f.T0)
    real = completions.in_cycle
    stale = iter([None])  # the loser's first look happened before the winner committed

    async def racing(*args: Any) -> Completion | None:
        return next(stale, None) or await real(*args)

    monkeypatch.setattr(completions, "in_cycle", racing)
    loser = await _pass(sessions, who, course, f.T0 + timedelta(seconds=1))
    assert not loser.created and loser.completion.id == winner.completion.id


async def test_the_database_refuses_a_second_completion_in_a_cycle(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (who,), course = await _people_and_course(sessions)
    done = (await _pass(sessions, who, course, f.T0)).completion
    row = {
        "registrant_id": who.id, "course_id": course.id, "cet_year": 2027,
        "cycle": "2025-2027", "state": done.state, "passed_at": f.T0, "deadline": f.T0,
    }  # fmt: skip
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            await session.execute(insert(Completion), [row])


OLD_COMPLETIONS = table(
    "completions",
    *[column(name) for name in ("id", "registrant_id", "course_id", "cet_year", "state")],
    *[column(name, UTCDateTime()) for name in ("passed_at", "deadline", "completed_at")],
    column("fallback"),
)  # the table as migration 0004 left it
OLD_REGISTRANTS = table(
    "registrants",
    *[column(n) for n in ("id", "email", "password_hash", "name", "goc_number", "profession")],
    column("role"),
    column("created_at", UTCDateTime()),
)
OLD_COURSES = table(
    "courses",
    *[column(n) for n in ("id", "ref", "title", "summary", "points", "interactive", "pass_mark")],
    *[column(n, JSON()) for n in ("professions", "competencies")],
    column("updated_at", UTCDateTime()),
)  # only the columns these rows need: later migrations add others


def _old_rows(url: str) -> None:
    """Data as it stood under once per CET year: Ann completed C-1 in 2025, 2026 and 2028
    (each with its point record, 2025's uploaded), Bo completed it once in 2027."""

    async def write() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(insert(OLD_REGISTRANTS), [
                    {"id": i, "email": f"{n}@example.test", "password_hash": "x", "name": n,
                     "goc_number": f"01-0000{i}", "profession": "optometrist",
                     "role": "registrant", "created_at": f.T0} for i, n in [(1, "Ann"), (2, "Bo")]
                ])  # fmt: skip
                await conn.execute(insert(OLD_COURSES), [
                    {"id": 1, "ref": "C-1", "title": "T", "summary": "", "professions": [],
                     "competencies": [], "points": 1, "interactive": False, "pass_mark": 1,
                     "updated_at": f.T0}
                ])  # fmt: skip
                passes = [(1, 1, 2026), (2, 1, 2025), (3, 1, 2028), (4, 2, 2027)]
                await conn.execute(insert(OLD_COMPLETIONS), [
                    {"id": cid, "registrant_id": rid, "course_id": 1, "cet_year": year,
                     "state": "completed_non_interactive", "fallback": False,
                     "passed_at": datetime(year, 3, 1, tzinfo=UTC),
                     "deadline": datetime(year, 3, 15, tzinfo=UTC),
                     "completed_at": datetime(year, 3, 1, tzinfo=UTC)}
                    for cid, rid, year in passes
                ])  # fmt: skip
                await conn.execute(insert(PointRecord.__table__), [  # type: ignore[arg-type]
                    {"completion_id": cid, "registrant_id": rid, "kind": "non_interactive",
                     "points": 1, "awarded_at": f.T0} for cid, rid, _ in passes
                ])  # fmt: skip
        finally:
            await engine.dispose()

    asyncio.run(write())


def _read_completions(url: str) -> dict[int, tuple[str, int]]:
    async def read() -> dict[int, tuple[str, int]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(Completion.id, Completion.cycle, Completion.legacy_repeat)
                )
                points = await conn.scalar(select(func.count()).select_from(PointRecord))
                assert points == 4  # no point record is lost
                return {cid: (cycle, repeat) for cid, cycle, repeat in rows}
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_gives_every_completion_its_cycle_and_keeps_earlier_repeats(
    backend: str, tmp_path: Path
) -> None:
    from alembic import command

    from peercet.core.migrate import alembic_config
    from tests.support.services import postgres_database

    def migrate(url: str) -> dict[int, tuple[str, int]]:
        command.upgrade(alembic_config(url), "0004")
        _old_rows(url)
        command.upgrade(alembic_config(url), "head")
        return _read_completions(url)

    if backend == "sqlite":
        found = migrate(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    else:
        with postgres_database() as url:
            found = migrate(url)
    # 2025's pass is the cycle's completion; 2026's, made before the rule, is kept as a repeat
    assert found == {
        1: ("2025-2027", 1), 2: ("2025-2027", 0), 3: ("2028-2030", 0), 4: ("2025-2027", 0)
    }  # fmt: skip
