"""Matching benchmark: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_matching.py            # SQLite file, a private redis-server
    .venv/bin/python scripts/bench_matching.py --postgresql \
        --waiting 100000 --courses 500 --pairings 10000 --samples 200

It loads WAITING registrants seeking a peer across COURSES courses straight into the
database, then measures:
  1. the rebuild of the Redis queues from the database, and Redis memory per waiting
     registrant (used_memory before/after, divided by the number queued);
  2. pairings per second one process makes: the atomic Lua step alone, then the whole
     pairing (Lua step + open_discussion committed + notifications + events published);
  3. latency from a choice (the choose action, its commit and the after-commit step)
     to both `matched` events arriving on a Redis pub/sub subscriber: p50 and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.pairing import Matcher
from matching.queue import Queues
from matching.rebuild import rebuild_index
from peercet.completions.actions import choose
from peercet.completions.lifecycle import Mode
from peercet.core import keys, migrate
from peercet.core.clock import FixedClock
from peercet.core.context import Context
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.publish import Aftermath, Effects, RedisPublisher
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, CoursePrompt, Registrant
from tests.support.services import postgres_database, redis_server

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
CTX = Context(Settings(secret_keys=["bench-matching-key"]), FixedClock(NOW))
LONDON = CTX.tz  # scheme time: the settings' default
CHUNK = 5000


async def _insert(
    sessions: async_sessionmaker[AsyncSession], table: Any, rows: list[dict[str, Any]]
) -> None:
    for i in range(0, len(rows), CHUNK):
        async with transaction(sessions) as session:
            await session.execute(insert(table), rows[i : i + CHUNK])


async def load(
    sessions: async_sessionmaker[AsyncSession], args: argparse.Namespace
) -> list[tuple[int, int]]:
    """COURSES courses sharing WAITING seekers, and SAMPLES quiet courses of their own,
    each with two registrants awaiting their choice (for the latency)."""
    rng = random.Random(1)
    total = args.courses + args.samples
    await _insert(sessions, Course, [
        {"ref": f"B-{i:05d}", "title": f"Bench {i}", "summary": "", "professions": ["optometrist"],
         "competencies": ["Communication"], "points": 1, "interactive": True, "pass_mark": 1,
         "updated_at": NOW}
        for i in range(total)
    ])  # fmt: skip
    async with sessions() as session:
        course_ids = list(await session.scalars(select(Course.id).order_by(Course.id)))
    await _insert(sessions, CoursePrompt, [
        {"course_id": c, "position": p, "text": f"Prompt {p}"} for c in course_ids for p in (1, 2)
    ])  # fmt: skip
    people = args.waiting + 2 * args.samples
    await _insert(sessions, Registrant, [
        {"email": f"b{i}@example.test", "password_hash": "-", "name": f"Bench {i}",
         "goc_number": f"01-{i % 100000:05d}", "profession": "optometrist", "role": "registrant",
         "created_at": NOW}
        for i in range(people)
    ])  # fmt: skip
    async with sessions() as session:
        rids = list(await session.scalars(select(Registrant.id).order_by(Registrant.id)))
    rows = []
    for i, rid in enumerate(rids):
        passed_at = NOW - timedelta(seconds=rng.randint(0, 13 * 86400))
        seeking = i < args.waiting
        course = (
            course_ids[i % args.courses]
            if seeking
            else course_ids[args.courses + (i - args.waiting) // 2]
        )
        rows.append({
            "registrant_id": rid, "course_id": course, "cet_year": 2026, "cycle": "2025-2027",
            "state": "seeking_peer" if seeking else "awaiting_choice", "passed_at": passed_at,
            "deadline": passed_at + timedelta(days=14), "fallback": False,
            "queued_at": passed_at if seeking else None,
        })  # fmt: skip
    await _insert(sessions, Completion, rows)
    async with sessions() as session:
        fresh = list(
            await session.scalars(
                select(Completion.id)
                .where(Completion.state == "awaiting_choice")
                .order_by(Completion.course_id, Completion.id)
            )
        )
    return list(zip(fresh[::2], fresh[1::2], strict=True))


async def memory(redis: Redis) -> int:
    info = await redis.info("memory")
    used: int = info["used_memory"]
    return used


async def bench_rebuild(sessions: async_sessionmaker[AsyncSession], redis: Redis) -> None:
    before = await memory(redis)
    start = time.perf_counter()
    rebuilt = await rebuild_index(sessions, redis, NOW, LONDON)
    took = time.perf_counter() - start
    used = await memory(redis) - before
    print(f"rebuild from the database: {rebuilt.entries} waiting in {len(rebuilt.courses)} "
          f"courses in {took:.2f} s")  # fmt: skip
    print(f"Redis memory: {used / 1e6:.1f} MB for the queues, "
          f"{used / max(rebuilt.entries, 1):.0f} bytes per waiting registrant")  # fmt: skip


async def bench_lua(redis: Redis, course_ids: list[int], limit: int) -> None:
    """The atomic step alone, on courses of their own (then put back by a rebuild)."""
    queues, made = Queues(redis), 0
    start = time.perf_counter()
    for course_id in course_ids:
        while made < limit and await queues.take_pair(course_id, 2026, NOW) is not None:
            made += 1
    took = time.perf_counter() - start
    print(f"atomic Lua pairing step alone: {made} pairs in {took:.2f} s = {made / took:,.0f}/s")


async def bench_pairing(matcher: Matcher, redis: Redis, course_ids: list[int], limit: int) -> None:
    publisher, made = RedisPublisher(redis), 0
    start = time.perf_counter()
    for course_id in course_ids:
        if made >= limit:
            break
        aftermath = await matcher.pair_course(course_id)
        await publisher.deliver(aftermath.deliveries)
        made += sum(1 for e in aftermath.deliveries if e.frame["type"] == "matched") // 2
    took = time.perf_counter() - start
    print(f"whole pairings (Lua + DB commit + notifications + publish): {made} in {took:.2f} s "
          f"= {made / took:,.1f}/s")  # fmt: skip


async def _choose(
    sessions: async_sessionmaker[AsyncSession], effects: Effects, completion_id: int
) -> None:
    """What the choice endpoint does: act, commit, then the after-commit step."""
    async with transaction(sessions) as session:
        completion = await session.get_one(Completion, completion_id)
        course = await session.get_one(Course, completion.course_id)
        aftermath: Aftermath = await choose(session, completion, course, Mode.INTERACTIVE, NOW, CTX)
    await effects(aftermath)


async def bench_latency(
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    effects: Effects,
    samples: list[tuple[int, int]],
) -> None:
    """One waits; the other's choice is timed until both matched frames have arrived."""
    arrived: dict[int, list[float]] = {}
    pubsub = redis.pubsub()
    await pubsub.psubscribe(keys.registrant_channel(0)[:-1] + "*")

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] == "pmessage":
                frame = json.loads(message["data"])
                if frame["type"] == "matched":
                    arrived.setdefault(frame["discussion"], []).append(time.perf_counter())

    listener = asyncio.create_task(listen())
    latencies = []
    for first, second in samples:
        await _choose(sessions, effects, first)
        start = time.perf_counter()
        await _choose(sessions, effects, second)
        async with sessions() as session:
            room = (await session.get_one(Completion, second)).discussion_id
        assert room is not None
        while len(arrived.get(room, [])) < 2:
            await asyncio.sleep(0.0002)
        latencies.append(max(arrived[room]) - start)
    listener.cancel()
    await pubsub.aclose()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"choice -> both matched events: n={len(latencies)} "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")  # fmt: skip


async def main(args: argparse.Namespace, redis_url: str, database_url: str) -> None:
    print(f"database: {database_url.split('://')[0]}; redis: {redis_url}")
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    redis = Redis.from_url(redis_url)
    try:
        start = time.perf_counter()
        samples = await load(sessions, args)
        print(f"loaded {args.waiting} waiting in {args.courses} courses "
              f"(+ {args.samples} quiet courses for the latency) "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        await bench_rebuild(sessions, redis)
        async with sessions() as session:
            course_ids = list(await session.scalars(select(Course.id).order_by(Course.id)))
        course_ids = course_ids[: args.courses]
        half = len(course_ids) // 2
        await bench_lua(redis, course_ids[half:], args.pairings)
        await rebuild_index(sessions, redis, NOW, LONDON)  # put them back
        matcher = Matcher(sessions, redis, CTX)
        await bench_pairing(matcher, redis, course_ids[:half], args.pairings)
        effects = Effects(RedisPublisher(redis), matcher)
        await bench_latency(sessions, redis, effects, samples)
    finally:
        await redis.aclose()
        await engine.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=500)
    parser.add_argument("--pairings", type=int, default=5_000, help="whole pairings to time")
    parser.add_argument("--samples", type=int, default=200, help="choices timed for latency")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--redis-url", help="default: a private redis-server on a free port")
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="a throwaway database on the server PEERCET_TEST_PG names (dropped afterwards)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        if args.postgresql:
            database_url = stack.enter_context(postgres_database())
        redis_url = args.redis_url or stack.enter_context(redis_server(Path(tmp)))
        asyncio.run(main(args, redis_url, database_url))


if __name__ == "__main__":
    cli()
