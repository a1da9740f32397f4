"""Applying rule 4 to the database: every fallback due at `now`, idempotently.

Shared by `peercet deadlines run`, the per-completion deadline job and the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions.fallback import fall_back, run_deadlines
from peercet.core.context import Context
from peercet.core.db import transaction
from peercet.core.publish import AfterCommit, nothing_after

Progress = Callable[[int], None]  # told the running total after each batch
BATCH = 1000


async def apply_due(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    ctx: Context,
    after_commit: AfterCommit = nothing_after,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> int:
    """Fall back everything due, a batch per transaction; returns how many fell back."""
    total = 0
    while True:
        async with transaction(sessions) as session:
            count, aftermath = await run_deadlines(session, now, ctx, batch)
        await after_commit(aftermath)
        total += count
        if progress is not None and count:
            progress(total)
        if count < batch:  # a short batch held everything due
            return total


async def apply_one(
    sessions: async_sessionmaker[AsyncSession],
    completion_id: int,
    now: datetime,
    ctx: Context,
    after_commit: AfterCommit = nothing_after,
) -> int:
    """The deadline job's work: this completion only, if it is still open and due."""
    async with transaction(sessions) as session:
        count, aftermath = await fall_back(session, [completion_id], now, ctx)
    await after_commit(aftermath)
    return count
