"""A child process of the concurrency test: one 'web process' choosing interactive."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from peercet.completions.lifecycle import Mode
from peercet.core.clock import FixedClock
from peercet.core.publish import RedisPublisher
from tests.support import factories as f
from tests.support.matching_support import choose_and_sync, engine_world


async def _choose_all(database_url: str, redis_url: str, ids: list[int], barrier: Any) -> None:
    redis = Redis.from_url(redis_url)
    try:
        async with engine_world(database_url, redis_url, RedisPublisher(redis)) as (sessions, fx):
            await asyncio.to_thread(barrier.wait)  # everyone starts at the same instant
            for cid in ids:
                await choose_and_sync(sessions, fx, cid, Mode.INTERACTIVE, FixedClock(f.T0))
    finally:
        await redis.aclose()


def run(database_url: str, redis_url: str, ids: list[int], barrier: Any) -> None:
    asyncio.run(_choose_all(database_url, redis_url, ids, barrier))
