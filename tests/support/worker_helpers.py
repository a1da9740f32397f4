"""An arq worker in-process for tests: real Redis, the project's functions, injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker

from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.notify.mailer import FileTransport
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


async def arrive(res: WorkerResources, job_id: str) -> None:
    """Make a deferred job due now, as if Redis's clock had reached its time
    (a score of 1, not 0: arq takes a score of 0 for a job no longer queued)."""
    await res.redis.zadd(res.redis.default_queue_name, {job_id: 1})
