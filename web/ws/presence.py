"""Presence: who is online in each discussion, across processes, in a Redis sorted set
whose entries this process refreshes while its sockets are in the room."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from peercet.core import keys

PRESENCE_TTL = 90.0  # seconds a presence entry lives without a refresh
PRESENCE_REFRESH = 30.0


class Presence:
    """Who is online in each discussion, across processes (a Redis sorted set)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.mine: dict[tuple[int, str], None] = {}

    async def enter(self, discussion_id: int, member: str) -> None:
        self.mine[(discussion_id, member)] = None
        await self.redis.zadd(keys.presence(discussion_id), {member: time.time() + PRESENCE_TTL})

    async def exit(self, discussion_id: int, member: str) -> None:
        self.mine.pop((discussion_id, member), None)
        await self.redis.zrem(keys.presence(discussion_id), member)

    async def online(self, discussion_id: int) -> list[int]:
        members = await self.redis.zrangebyscore(keys.presence(discussion_id), time.time(), "+inf")
        return sorted({int(m.split(b":", 1)[0]) for m in members})

    async def refresh(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_REFRESH)
            with suppress(RedisError, OSError):
                async with self.redis.pipeline(transaction=False) as pipe:
                    expires = time.time() + PRESENCE_TTL
                    for discussion_id, member in list(self.mine):
                        pipe.zadd(keys.presence(discussion_id), {member: expires})
                    await pipe.execute()
