"""Helpers for the matching tests (and the concurrency test's child processes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.invitations import Target
from matching.pairing import Matcher
from peercet.completions.actions import choose
from peercet.completions.lifecycle import Mode
from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.publish import Aftermath, Effects, MemoryPublisher, Publisher
from peercet.core.tables import Completion, Course
from tests.support import factories as f
from tests.support.context import context


async def no_sync(aftermath: Aftermath) -> None:
    """An after-commit step that leaves Redis alone, as if it were away."""


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    clock: FixedClock
    matcher: Matcher
    published: MemoryPublisher
    effects: Effects

    async def choose(self, completion_id: int, mode: Mode = Mode.INTERACTIVE) -> Aftermath:
        return await choose_and_sync(self.sessions, self.effects, completion_id, mode, self.clock)

    async def queue(self, course_id: int) -> list[tuple[int, float]]:
        raw = await self.redis.zrange(keys.course_queue(course_id), 0, -1, withscores=True)
        return [(int(m.decode().split(":")[0]), s) for m, s in raw]

    async def completion(self, completion_id: int) -> Completion:
        async with self.sessions() as session:
            return await session.get_one(Completion, completion_id)

    def matched(self, registrant_id: int) -> list[int]:
        frames = self.published.sent[keys.registrant_channel(registrant_id)]
        return [fr["discussion"] for fr in frames if fr["type"] == "matched"]

    async def invite(self, completion_id: int, target: Target) -> int:
        """What the invitation endpoint does: act, commit, then the after-commit step."""
        async with transaction(self.sessions) as session:
            completion = await session.get_one(Completion, completion_id)
            invitation, aftermath = await f.invitation(
                session, completion, target, self.clock.now()
            )
        await self.effects(aftermath)
        return invitation.id


async def choose_and_sync(
    sessions: async_sessionmaker[AsyncSession],
    effects: Effects,
    completion_id: int,
    mode: Mode,
    clock: FixedClock,
) -> Aftermath:
    """What the choice endpoint does: act, commit, then the after-commit step."""
    async with transaction(sessions) as session:
        completion = await session.get_one(Completion, completion_id)
        course = await session.get_one(Course, completion.course_id)
        aftermath = await choose(session, completion, course, mode, clock.now(), context())
    await effects(aftermath)
    return aftermath


@asynccontextmanager
async def world(
    sessions: async_sessionmaker[AsyncSession], redis_url: str, at: datetime = f.T0
) -> AsyncIterator[World]:
    redis = Redis.from_url(redis_url)
    clock = FixedClock(at)
    matcher = Matcher(sessions, redis, context(clock=clock))
    published = MemoryPublisher()
    try:
        yield World(sessions, redis, clock, matcher, published, Effects(published, matcher))
    finally:
        await redis.aclose()


@asynccontextmanager
async def engine_world(
    database_url: str, redis_url: str, publisher: Publisher | None = None
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Effects]]:
    """For a child process: its own engine, Redis client and after-commit step."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    redis = Redis.from_url(redis_url)
    matcher = Matcher(sessions, redis, context(clock=FixedClock(f.T0)))
    try:
        yield sessions, Effects(publisher or MemoryPublisher(), matcher)
    finally:
        await redis.aclose()
        await engine.dispose()


async def seeking_ids(sessions: async_sessionmaker[AsyncSession], course_id: int) -> set[int]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Completion.id).where(
                Completion.course_id == course_id, Completion.state == "seeking_peer"
            )
        )
        return set(rows)
