#!/usr/bin/env python
"""Year-end benchmark: N open completions due at the cut-off; how long until every one has
fallen back and the year's final upload file is written, and the peak memory of doing it.

    .venv/bin/python scripts/bench_yearend.py [--n 100000] [--postgres]

SQLite by default (a file in a temporary directory); `--postgres` uses a throwaway database
on the server PEERCET_TEST_PG names. A private redis-server is started for the run. The
measured part runs in a fresh process (the worker's `year_end` job at 12:00:00.123 on
30 December, scheme time), so its peak RSS is the year-end's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue.loading import CourseSpec, QuestionSpec, upsert_course
from peercet.completions import lifecycle
from peercet.completions.lifecycle import State
from peercet.core import migrate
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, Discussion
from tests.support.factories import bulk
from tests.support.services import postgres_database, redis_server

TZ = Settings().timezone  # scheme time: the settings' default
YEAR = 2026
CUT = lifecycle.cutoff(YEAR, TZ)
STATES = [State.SEEKING_PEER] * 7 + [State.AWAITING_CHOICE] * 2 + [State.IN_DISCUSSION]
COURSES = 5


def _spec(n: int) -> CourseSpec:
    return CourseSpec(
        ref=f"C-{90000 + n}", title=f"Benchmark course {n}", summary="", points=1,
        professions=["optometrist"], competencies=["Communication", "Clinical practice"],
        interactive=True, prompts=["Discuss."], pass_mark=1,
        questions=[QuestionSpec("Q?", ["a", "b"], 0)],
    )  # fmt: skip


async def _pairs(session: AsyncSession, ids: list[int], course_id: int, at: datetime) -> None:
    """Put completions two by two into open discussions."""
    pairs = [ids[i : i + 2] for i in range(0, len(ids) - 1, 2)]
    rows = [{"course_id": course_id, "state": "open", "created_at": at, "last_seq": 0}] * len(pairs)
    result = await session.execute(insert(Discussion).returning(Discussion.id), rows)
    for discussion_id, pair in zip(result.scalars(), pairs, strict=True):
        await session.execute(
            update(Completion).where(Completion.id.in_(pair)).values(discussion_id=discussion_id)
        )


async def seed(url: str, n: int) -> None:
    """N open completions passed in the last fortnight of the year: all due at the cut-off."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    passed = CUT - timedelta(days=10)
    per_course = n // COURSES
    async with transaction(sessions) as session:
        people = await bulk.registrants(session, per_course, passed)
    for c in range(COURSES):
        async with transaction(sessions) as session:
            await upsert_course(session, _spec(c), passed)
            course_id = await session.scalar(select(Course.id).where(Course.ref == _spec(c).ref))
            assert course_id is not None
            for part, state in enumerate(STATES):
                chunk = people[part :: len(STATES)]
                ids = await bulk.completions(session, chunk, course_id, passed, TZ, state)
                if state is State.IN_DISCUSSION:
                    await _pairs(session, ids, course_id, passed)
    await engine.dispose()


async def run(url: str, redis_url: str, upload_dir: str, outbox_dir: str) -> dict[str, object]:
    from arq.connections import RedisSettings, create_pool

    from discussion.deadlines import apply_due
    from peercet.core.clock import FixedClock
    from peercet.core.settings import load_settings
    from workers import jobs
    from workers.context import open_resources

    settings = load_settings({"DATABASE_URL": url, "REDIS_URL": redis_url,
                              "UPLOAD_DIR": upload_dir, "OUTBOX_DIR": outbox_dir})  # fmt: skip
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    res = open_resources(settings, pool, FixedClock(CUT + timedelta(microseconds=123456)))
    started = time.perf_counter()
    try:
        # what jobs.year_end does, timed in its two steps
        fallbacks = await apply_due(res.sessions, res.clock.now(), res.effects)
        fell_back = time.perf_counter()
        uploads = await jobs.uploads_due(res, res.clock.now())
    finally:
        await res.engine.dispose()
        await pool.aclose()
    done = time.perf_counter()
    return {
        "seconds": round(done - started, 1),
        "fallback_seconds": round(fell_back - started, 1),
        "upload_seconds": round(done - fell_back, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "fallbacks": fallbacks,
        "uploads": [jobs.summary(u) for u in uploads],
    }


def measure(url: str, redis_url: str, workdir: Path) -> dict[str, object]:
    args = [sys.executable, __file__, "--measure", url, redis_url, str(workdir / "uploads"),
            str(workdir / "outbox")]  # fmt: skip
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    measured: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(run(*args.measure)), default=str))
        return
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-yearend-")))
        redis_url = stack.enter_context(redis_server(workdir))
        if args.postgres:
            url = stack.enter_context(postgres_database())
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        migrate.alembic_upgrade(url)
        started = time.perf_counter()
        asyncio.run(seed(url, args.n))
        print(f"seeded {args.n} open completions in {time.perf_counter() - started:.1f}s "
              f"({'PostgreSQL' if args.postgres else 'SQLite'})", flush=True)  # fmt: skip
        figures = measure(url, redis_url, workdir)
        uploads = figures.get("uploads") or [{}]
        final = uploads[0]  # type: ignore[index]
        print(f"fallbacks: {figures['fallbacks']}, final upload rows: {final.get('rows')}")
        print(
            f"year-end time: {figures['seconds']} s (fallbacks {figures['fallback_seconds']} s, "
            f"final upload {figures['upload_seconds']} s), peak RSS: {figures['peak_rss_mb']} MB"
        )
        print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
