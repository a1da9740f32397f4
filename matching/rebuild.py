"""Redis is an index, the database the truth: rebuild the queues from it.

Run at start-up and periodically. It first pairs every waiting invitee with their
standing invitation (their choice's after-commit step may have been lost, or have run
before the invitation committed: nothing else would bring the two together), then
prunes members the database says are no longer waiting, then adds every waiting
completion (ZADD is idempotent and the score is the deadline, so places are kept), then
restores who has met whom this CET year, then pairs whatever can be paired. Adding
after pruning means a race with a live choice can at worst leave a stale member, which
the next pairing step discards when the database refuses it; nobody waiting in the
database is ever left out.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.pairing import Matcher, in_public_queue
from matching.queue import Entry, Queues
from peercet.completions.lifecycle import cet_year
from peercet.core import keys
from peercet.core.clock import Clock, FixedClock, SystemClock
from peercet.core.context import Context
from peercet.core.publish import Paired, Publisher, RedisPublisher
from peercet.core.tables import Completion, Participant

log = logging.getLogger(__name__)
BATCH = 5000


@dataclass
class Rebuilt:
    entries: int = 0
    pruned: int = 0
    courses: set[int] = field(default_factory=set)


async def _prune(session: AsyncSession, redis: Redis, now: datetime) -> int:
    queues, pruned = Queues(redis), 0
    async for key in redis.scan_iter(match=keys.course_queue_pattern(), count=1000):
        course_id = int(key.decode().rsplit(":", 1)[1])
        members = await queues.members(course_id)
        ids = [cid for cid, _ in members]
        keep = set(
            await session.scalars(
                select(Completion.id).where(Completion.id.in_(ids), in_public_queue(now))
            )
        )
        stale = [Entry(course_id, cid, rid, now) for cid, rid in members if cid not in keep]
        await queues.remove(stale)
        pruned += len(stale)
    return pruned


async def _add_waiting(session: AsyncSession, redis: Redis, now: datetime, out: Rebuilt) -> None:
    rows = await session.execute(
        select(
            Completion.course_id, Completion.id, Completion.registrant_id, Completion.deadline
        ).where(in_public_queue(now))
    )
    batch: list[Entry] = []
    for row in rows:
        batch.append(Entry(*row))
        out.courses.add(row[0])
        if len(batch) >= BATCH:
            await Queues(redis).add(batch)
            out.entries += len(batch)
            batch = []
    await Queues(redis).add(batch)
    out.entries += len(batch)


async def _restore_met(session: AsyncSession, redis: Redis, year: int, courses: set[int]) -> None:
    rows = await session.execute(
        select(Completion.course_id, Participant.discussion_id, Participant.registrant_id)
        .join(Completion, Completion.id == Participant.completion_id)
        .where(Completion.cet_year == year, Completion.course_id.in_(courses))
    )
    rooms: dict[tuple[int, int], list[int]] = defaultdict(list)
    for course_id, discussion_id, registrant_id in rows:
        rooms[(course_id, discussion_id)].append(registrant_id)
    met = [Paired(course_id, year, *who) for (course_id, _), who in rooms.items() if len(who) == 2]
    await Queues(redis).remember_met(met)


async def rebuild_index(
    sessions: async_sessionmaker[AsyncSession], redis: Redis, now: datetime, tz: ZoneInfo
) -> Rebuilt:
    """Make the queues say what the database says; pair nobody."""
    out = Rebuilt()
    async with sessions() as session:
        out.pruned = await _prune(session, redis, now)
        await _add_waiting(session, redis, now, out)
        if out.courses:
            await _restore_met(session, redis, cet_year(now, tz), out.courses)
    return out


async def rebuild_queues(
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    now: datetime | None,
    ctx: Context,
    publisher: Publisher | None = None,
) -> Rebuilt:
    """The periodic check (and start-up step): pair waiting invitees with their
    inviters, rebuild, then pair the queues and tell the pairs (through the edge's
    publisher; one of Redis's own without one)."""
    clock: Clock = SystemClock() if now is None else FixedClock(now)
    matcher = Matcher(sessions, redis, replace(ctx, clock=clock))
    aftermath = await matcher.pair_invitees(clock.now())  # first: the index then drops them
    out = await rebuild_index(sessions, redis, clock.now(), ctx.tz)
    for course_id in sorted(out.courses):
        aftermath.extend(await matcher.pair_course(course_id))
    await (publisher or RedisPublisher(redis)).deliver(aftermath.deliveries)
    return out


async def start_queues(
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    ctx: Context,
    publisher: Publisher | None = None,
) -> None:
    """At start-up: rebuild, but never refuse to start because Redis is away."""
    try:
        await rebuild_queues(sessions, redis, ctx.clock.now(), ctx, publisher)
    except (RedisError, OSError, SQLAlchemyError) as exc:
        log.warning("queues not rebuilt at start-up (%s); the periodic check will", exc)
