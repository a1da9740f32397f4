"""The 10-working-day promise: a completion not uploaded in time is flagged and logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion
from peercet.goc.uploads import flag_overdue, run_upload
from tests.support import factories as f
from tests.support.factories import bulk

# Wednesday 23 December 2026, 15:00: due by Monday 11 January 2027 (Christmas, New Year)
DONE = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
LAST_DAY = datetime(2027, 1, 11, 23, 59, tzinfo=UTC)
DAY_AFTER = datetime(2027, 1, 12, 0, 0, tzinfo=UTC)


async def _flag(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[int]:
    async with transaction(sessions) as session:
        return await flag_overdue(session, now, f.LONDON)


async def test_a_late_upload_is_flagged_once_and_logged_loudly(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    ids = await bulk.completed(sessions, 2, DONE)
    assert await _flag(sessions, LAST_DAY) == []
    with caplog.at_level(logging.ERROR, logger="peercet.goc.uploads"):
        assert sorted(await _flag(sessions, DAY_AFTER)) == sorted(ids)
    assert any("GOC UPLOAD OVERDUE" in r.message for r in caplog.records)
    assert await _flag(sessions, DAY_AFTER) == []  # flagged once
    async with sessions() as session:
        for cid in ids:
            assert (await session.get_one(Completion, cid)).upload_flagged_at == DAY_AFTER


async def test_an_uploaded_completion_is_never_flagged(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await bulk.completed(sessions, 2, DONE)
    await run_upload(sessions, settings, LAST_DAY)
    assert await _flag(sessions, DAY_AFTER) == []
