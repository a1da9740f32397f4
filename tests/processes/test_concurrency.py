"""Rule 6 under real concurrency: separate OS processes against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.tables import Completion, PointRecord
from tests.support import factories as f

pytestmark = pytest.mark.slow
N = 60


async def _process(*args: str, env: dict[str, str] | None = None) -> dict[str, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    result: dict[str, int] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def _deadlines_process(database_url: str, now: str) -> int:
    env = {"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEYS": "k"}
    result = await _process("-m", "peercet.cli.main", "deadlines", "run", "--now", now, env=env)
    return result["fallbacks"]


async def _points_per_completion(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        counts = await session.execute(
            select(Completion.id, func.count(PointRecord.id))
            .outerjoin(PointRecord, PointRecord.completion_id == Completion.id)
            .group_by(Completion.id)
        )
        return [count for _, count in counts]


async def test_two_deadline_runs_at_once_give_one_point_each(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with sessions() as session, session.begin():
        course = await f.course(session)
        for _ in range(N):
            await f.waiting(session, await f.registrant(session), course)
    now = (f.T0 + timedelta(days=15)).isoformat()
    results = await asyncio.gather(*(_deadlines_process(database_url, now) for _ in range(3)))
    assert sum(results) == N
    assert await _points_per_completion(sessions) == [1] * N


async def test_validation_racing_the_deadline_has_exactly_one_outcome(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with sessions() as session, session.begin():
        course = await f.course(session)
        pairs = [await f.pair(session, course) for _ in range(N // 2)]
    deadline = f.T0 + timedelta(days=14)

    ids = json.dumps([[first.id, second.id] for first, second, _ in pairs])
    just_before = (deadline - timedelta(seconds=1)).isoformat()
    validation, fell_back = await asyncio.gather(
        _process("-m", "tests.support.validate_process", database_url, ids, just_before),
        _deadlines_process(database_url, deadline.isoformat()),
    )
    validated = validation["validated"]
    assert validated * 2 + fell_back == N
    print(f"validated pairs: {validated}, fallbacks: {fell_back}")
    assert await _points_per_completion(sessions) == [1] * N
    async with sessions() as session:
        for first, second, _ in pairs:
            a = await session.get_one(Completion, first.id)
            b = await session.get_one(Completion, second.id)
            assert a.state == b.state  # both interactive, or both fell back
