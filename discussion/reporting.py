"""Reporting a discussion or one of its messages to the moderators, within the
reporter's quota (peercet.core.quota.REPORTS: 429 past it).

Takes the session factory: the quota is taken before the transaction, and given
back when no report was filed (a refused report does not count).
"""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import actions
from peercet.core.db import transaction
from peercet.core.quota import REPORTS
from peercet.core.tables import Report


async def file_report(
    sessions: async_sessionmaker[AsyncSession], redis: Redis, reporter_id: int,
    discussion_id: int, reason: str, seq: int | None, now: datetime,
) -> Report:  # fmt: skip
    use = await REPORTS.take(redis, reporter_id, now)
    try:
        async with transaction(sessions) as session:
            return await actions.report(session, reporter_id, discussion_id, reason, seq, now)
    except Exception:
        await use.give_back()  # no report was filed: it does not count
        raise
