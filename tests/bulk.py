"""Many rows at once, for volume tests and the year-end benchmark (no password hashing,
no per-row actions): registrants and completions written with bulk inserts."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from peercet import lifecycle
from peercet.lifecycle import State
from peercet.tables import Completion, Registrant

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
    """One completion per registrant; completed (at the pass) when `state` is completed."""
    done = not lifecycle.is_open(state)
    rows = [
        {
            "registrant_id": rid,
            "course_id": course_id,
            "cet_year": lifecycle.cet_year(passed_at, tz),
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
    return ids
