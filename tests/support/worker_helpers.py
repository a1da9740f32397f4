"""An arq worker in-process for tests: real Redis, the project's functions, injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions.actions import choose, record_pass
from peercet.completions.lifecycle import Mode
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, Registrant
from peercet.notify.mailer import FileTransport
from tests.support import factories as f
from tests.support.context import context
from workers.context import KEY, WorkerResources, open_resources
from workers.settings import FUNCTIONS


@asynccontextmanager
async def worker_resources(settings: Settings, at: datetime) -> AsyncIterator[WorkerResources]:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    transport = FileTransport(settings.outbox_dir)
    res = open_resources(settings, pool, FixedClock(at), transport=transport)
    try:
        yield res
    finally:
        await res.engine.dispose()
        await pool.aclose()


def ctx(res: WorkerResources) -> dict[str, Any]:
    return {KEY: res, "redis": res.redis}


async def run_burst(res: WorkerResources, redis: ArqRedis | None = None) -> int:
    """Run every job that is due now (by Redis's clock), then stop."""
    worker = Worker(
        functions=FUNCTIONS,
        redis_pool=redis or res.redis,
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        ctx=ctx(res),
    )
    try:
        return await worker.run_check()
    finally:
        await worker.close()


async def waiting(
    session: AsyncSession, who: Registrant, course: Course, passed_at: datetime = f.T0
) -> tuple[Completion, Any]:
    """A pass of an interactive course, then the choice to discuss: seeking a peer."""
    result = await record_pass(session, who, course, passed_at, context())
    aftermath = result.aftermath
    aftermath.extend(
        await choose(session, result.completion, course, Mode.INTERACTIVE, passed_at, context())
    )
    return result.completion, aftermath


async def arrive(res: WorkerResources, job_id: str) -> None:
    """Make a deferred job due now, as if Redis's clock had reached its time
    (a score of 1, not 0: arq takes a score of 0 for a job no longer queued)."""
    await res.redis.zadd(res.redis.default_queue_name, {job_id: 1})
