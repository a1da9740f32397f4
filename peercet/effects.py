"""After a transaction commits: publish its events and keep the Redis queues in step.

Redis is only an index and a fan-out: if it is away, the database still holds the
truth, the queues are rebuilt from it and clients recover messages by `seq`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from peercet.events import Outcome, Publisher, RedisPublisher
from peercet.settings import Settings

log = logging.getLogger(__name__)

QueueSync = Callable[[Outcome], Awaitable[None]]


async def _no_queue(outcome: Outcome) -> None:
    return None


class Effects:
    """The one after-commit step every edge (endpoint, job, command) calls."""

    def __init__(self, publisher: Publisher, queue_sync: QueueSync = _no_queue) -> None:
        self.publisher = publisher
        self.queue_sync = queue_sync

    async def __call__(self, outcome: Outcome) -> None:
        try:
            await self.queue_sync(outcome)
            await self.publisher.publish(outcome.events)
        except (RedisError, OSError) as exc:
            log.warning("Redis unavailable after commit (%s); the database keeps the truth", exc)


@asynccontextmanager
async def connect(settings: Settings, queue_sync: QueueSync = _no_queue) -> AsyncIterator[Effects]:
    redis = Redis.from_url(settings.redis_url)
    try:
        yield Effects(RedisPublisher(redis), queue_sync)
    finally:
        await redis.aclose()
