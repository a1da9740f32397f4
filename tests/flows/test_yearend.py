"""Rule 5: at noon on 30 December (Europe/London) every open completion falls back and the
year's final upload holds exactly that year's completions not yet uploaded."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.opening import open_discussion
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, UploadBatch
from peercet.goc.uploads import run_upload
from tests.support import factories as f
from tests.support.context import context
from tests.support.worker_helpers import ctx, worker_resources
from workers import jobs

CUT = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)  # GMT in December: noon in London


async def _pass(session: AsyncSession, course: Course, at: datetime) -> tuple[str, int]:
    who = await f.registrant(session)
    return who.goc_number, (await f.completion(session, who, course, at)).id


async def _year(session: AsyncSession) -> dict[str, tuple[str, int]]:
    """One completion in each situation a cut-off meets, by name: (GOC number, id)."""
    interactive = await f.course(session)
    plain = await f.course(session, interactive=False)
    made = {
        "awaiting": await _pass(session, interactive, datetime(2026, 12, 20, 10, tzinfo=UTC)),
        "completed": await _pass(session, plain, datetime(2026, 12, 1, 10, tzinfo=UTC)),
        "uploaded": await _pass(session, plain, datetime(2026, 11, 2, 10, tzinfo=UTC)),
    }
    for name, at in [("seeking", datetime(2026, 12, 25, 8, tzinfo=UTC)),
                     ("pair_a", datetime(2026, 12, 28, 9, tzinfo=UTC)),
                     ("pair_b", datetime(2026, 12, 28, 10, tzinfo=UTC))]:  # fmt: skip
        who = await f.registrant(session)
        completion = await f.waiting(session, who, interactive, at)
        made[name] = (who.goc_number, completion.id)
    pair = [await session.get_one(Completion, made[n][1]) for n in ("pair_a", "pair_b")]
    await open_discussion(session, pair, datetime(2026, 12, 28, 11, tzinfo=UTC), context())
    # passes after the cut-off belong to 2027
    made["next_done"] = await _pass(session, plain, CUT + timedelta(seconds=30))
    made["next_open"] = await _pass(session, interactive, CUT + timedelta(seconds=40))
    return made


def _goc_numbers(path: str | None) -> set[str]:
    assert path is not None
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(r["completed_on"] in {"2026-12-30", "2026-12-01", "2026-11-02"} for r in rows)
    return {r["goc_number"] for r in rows}


@pytest.mark.parametrize(
    ("job", "late"),
    [("year_end", timedelta(minutes=1)), ("sweep", timedelta(hours=3))],  # worker down at noon
)
async def test_the_cutoff_falls_everything_back_and_uploads_the_year_once(
    settings: Settings, job: str, late: timedelta
) -> None:
    async with worker_resources(settings, CUT + late) as res:
        async with transaction(res.sessions) as session:
            made = await _year(session)
        await run_upload(res.sessions, res.settings, datetime(2026, 11, 6, 9, tzinfo=UTC))
        await getattr(jobs, job)(ctx(res))
        async with res.sessions() as session:
            rows = {c.id: c for c in await session.scalars(select(Completion))}
            (final,) = await session.scalars(select(UploadBatch).where(UploadBatch.final))
        for name in ("awaiting", "seeking", "pair_a", "pair_b"):
            fell = rows[made[name][1]]
            assert (fell.state, fell.fallback, fell.completed_at) == (
                State.COMPLETED_NON_INTERACTIVE, True, CUT
            )  # fmt: skip
        assert rows[made["next_open"][1]].state == State.AWAITING_CHOICE
        year = {made[n][0] for n in ("awaiting", "seeking", "pair_a", "pair_b", "completed")}
        assert _goc_numbers(final.file_path) == year
        assert rows[made["next_done"][1]].upload_batch_id is None
        # the sweep after it finds nothing more to do for 2026
        res.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        assert await jobs.sweep(ctx(res)) == {
            "fallbacks": 0,
            "invitations_expired": 0,
            "uploads": [],
        }
        # the next Friday's upload takes 2027's
        res.clock.at = datetime(2027, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)  # type: ignore[attr-defined]
        (weekly,) = (await jobs.sweep(ctx(res)))["uploads"]
        assert weekly["final"] is False
        assert _goc_numbers(weekly["file"]) == {made["next_done"][0]}
