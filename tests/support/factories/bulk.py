"""Many rows at once, for volume tests and the year-end benchmark (no password hashing,
no per-row actions): registrants and completions written with bulk inserts."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions import lifecycle
from peercet.completions.lifecycle import Mode, State
from peercet.core.db import transaction
from peercet.core.tables import Completion, Course, PointRecord, Registrant
from tests.support.factories.courses import course
from tests.support.factories.scheme import LONDON, T0

_serial = itertools.count(1)
CHUNK = 5000


async def registrants(session: AsyncSession, n: int, at: datetime) -> list[int]:
    batch = next(_serial)
    rows = [
        {
            "email": f"bulk{batch}-{i}@example.test",
            "password_hash": "scrypt$unusable$unusable",
            "name": f"Registrant {batch}-{i}",
            "goc_number": f"{batch % 100:02d}-{i:06d}",
            "profession": "optometrist",
            "role": "registrant",
            "created_at": at,
        }
        for i in range(n)
    ]
    ids: list[int] = []
    for start in range(0, n, CHUNK):
        result = await session.execute(
            insert(Registrant).returning(Registrant.id), rows[start : start + CHUNK]
        )
        ids.extend(result.scalars())
    return ids


async def completions(
    session: AsyncSession,
    registrant_ids: Sequence[int],
    course_id: int,
    passed_at: datetime,
    tz: ZoneInfo,
    state: State = State.SEEKING_PEER,
) -> list[int]:
    """One completion per registrant; completed (at the pass), with its point record of the
    course's points, when `state` is completed."""
    done = not lifecycle.is_open(state)
    rows = [
        {
            "registrant_id": rid,
            "course_id": course_id,
            "cet_year": lifecycle.cet_year(passed_at, tz),
            "cycle": lifecycle.Cycles().label(lifecycle.cet_year(passed_at, tz)),
            "state": state.value,
            "passed_at": passed_at,
            "deadline": lifecycle.deadline(passed_at, tz),
            "fallback": False,
            "queued_at": passed_at if state is State.SEEKING_PEER else None,
            "completed_at": passed_at if done else None,
        }
        for rid in registrant_ids
    ]
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        result = await session.execute(
            insert(Completion).returning(Completion.id), rows[start : start + CHUNK]
        )
        ids.extend(result.scalars())
    if done:
        await _award(
            session, dict(zip(ids, registrant_ids, strict=True)), course_id, state, passed_at
        )
    return ids


async def _award(
    session: AsyncSession, registrants: dict[int, int], course_id: int, state: State, at: datetime
) -> None:
    """The point records the actions would have written for completions made `state`."""
    points = (await session.get_one(Course, course_id)).points
    kind = Mode.INTERACTIVE if state is State.COMPLETED_INTERACTIVE else Mode.NON_INTERACTIVE
    rows = [
        {"completion_id": cid, "registrant_id": rid, "kind": kind.value, "points": points,
         "awarded_at": at}
        for cid, rid in registrants.items()
    ]  # fmt: skip
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(PointRecord), rows[start : start + CHUNK])


async def completed(
    sessions: async_sessionmaker[AsyncSession], n: int, at: datetime = T0
) -> list[int]:
    """`n` registrants who each completed a new non-interactive course at `at`; committed."""
    async with transaction(sessions) as session:
        what = await course(session, interactive=False)
        people = await registrants(session, n, at)
        return await completions(
            session, people, what.id, at, LONDON, State.COMPLETED_NON_INTERACTIVE
        )
