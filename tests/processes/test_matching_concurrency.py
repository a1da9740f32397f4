"""Several OS processes choose interactive at the same instant, against a real
redis-server and a real database (SQLite and PostgreSQL): nobody is in two
discussions, no discussion has one participant, nobody waits while a partner waits,
and each of the two is told once."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
from collections import Counter, defaultdict

import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core import keys
from peercet.core.db import transaction
from peercet.core.tables import Completion, Notification, Participant
from tests.support import factories as f
from tests.support import matching_child

PROCESSES = 4
PER_COURSE = (25, 16)  # an odd one: exactly one is left waiting


async def _completions(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    ids: list[int] = []
    async with transaction(sessions) as session:
        for count in PER_COURSE:
            course = await f.course(session)
            ids += [(await f.passed(session, course, f.T0)).id for _ in range(count)]
    return ids


def _spawn(database_url: str, redis_url: str, ids: list[int]) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    random.Random(7).shuffle(ids)
    children = [
        ctx.Process(
            target=matching_child.run, args=(database_url, redis_url, ids[i::PROCESSES], barrier)
        )
        for i in range(PROCESSES)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    assert [c.exitcode for c in children] == [0] * PROCESSES


async def _matched_frames(pubsub: PubSub) -> dict[int, list[int]]:
    """completion id -> the discussions it was told it is matched in."""
    told: dict[int, list[int]] = defaultdict(list)
    while (message := await pubsub.get_message(timeout=0.5)) is not None:
        if message["type"] != "pmessage":
            continue
        frame = json.loads(message["data"])
        if frame["type"] == "matched":
            told[frame["completion"]].append(frame["discussion"])
    return told


@pytest.mark.slow
async def test_concurrent_choices_make_whole_pairs_exactly_once(
    sessions: async_sessionmaker[AsyncSession], database_url: str, redis_url: str
) -> None:
    ids = await _completions(sessions)
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.psubscribe(keys.registrant_channel(0).replace("0", "*"))
    try:
        await asyncio.to_thread(_spawn, database_url, redis_url, list(ids))
        told = await _matched_frames(pubsub)
        async with sessions() as session:
            completions = list(await session.scalars(select(Completion)))
            participants = list(await session.scalars(select(Participant)))
            paired_notes = list(
                await session.scalars(select(Notification).where(Notification.kind == "paired"))
            )
        rooms: dict[int, list[Participant]] = defaultdict(list)
        for p in participants:
            rooms[p.discussion_id].append(p)
        # no discussion with one participant; two different registrants of one course
        assert all(
            len(ps) == 2 and ps[0].registrant_id != ps[1].registrant_id for ps in rooms.values()
        )
        # nobody in two discussions for one completion
        assert max(Counter(p.completion_id for p in participants).values()) == 1
        by_id = {c.id: c for c in completions}
        for room, ps in rooms.items():
            assert {by_id[p.completion_id].discussion_id for p in ps} == {room}
            assert len({by_id[p.completion_id].course_id for p in ps}) == 1
        # nobody left waiting while a partner waits: at most one per course, odd counts only
        waiting = Counter(c.course_id for c in completions if c.state == "seeking_peer")
        assert sorted(waiting.values()) == [1] and len(rooms) == (sum(PER_COURSE) - 1) // 2
        assert all(c.state in ("in_discussion", "seeking_peer") for c in completions)
        # Redis holds exactly the one who waits
        for course_id in {c.course_id for c in completions}:
            members = await redis.zrange(keys.course_queue(course_id), 0, -1)
            expected = [
                c.id for c in completions if c.course_id == course_id and c.state == "seeking_peer"
            ]
            assert [int(m.split(b":")[0]) for m in members] == expected
        # both told, once, at once; and a notification each
        for c in completions:
            if c.state == "in_discussion":
                assert told[c.id] == [c.discussion_id]
        assert len(paired_notes) == 2 * len(rooms)
    finally:
        await pubsub.aclose()
        await redis.aclose()
