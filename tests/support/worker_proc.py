"""A worker process for the kill-and-restart test, its clock fixed at NOW:

    python -m tests.support.worker_proc NOW [COMPLETION_ID MARKER_FILE]

With a completion id it stops inside that completion's deadline job, after the fallback's
changes and before their commit, writes MARKER_FILE and waits there to be killed.
Configuration from the environment (DATABASE_URL, REDIS_URL, ...), as the real worker.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncSession

from discussion import deadlines
from peercet.core.clock import FixedClock
from peercet.core.context import Context
from peercet.core.publish import Aftermath
from peercet.core.settings import load_settings
from workers.context import KEY, open_resources
from workers.settings import FUNCTIONS


def hang_inside(completion_id: int, marker: Path) -> None:
    real = deadlines.fall_back

    async def fall_back(
        session: AsyncSession, ids: Sequence[int], now: datetime, ctx: Context
    ) -> tuple[int, Aftermath]:
        result = await real(session, ids, now, ctx)
        if completion_id in ids:
            marker.write_text("inside the job, before its commit")
            await asyncio.sleep(3600)  # to be killed here
        return result

    deadlines.fall_back = fall_back  # type: ignore[assignment]


async def main(argv: list[str]) -> None:
    if len(argv) > 1:
        hang_inside(int(argv[1]), Path(argv[2]))
    settings = load_settings()
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    res = open_resources(settings, pool, FixedClock(datetime.fromisoformat(argv[0])))
    worker = Worker(
        functions=FUNCTIONS,
        redis_pool=pool,
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        max_jobs=1,
        ctx={KEY: res},
    )
    try:
        await worker.run_check()
    finally:
        await worker.close()
        await res.engine.dispose()
        await pool.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
