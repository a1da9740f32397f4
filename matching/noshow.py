"""No-shows (rule 7): a discussion nobody can finish because a peer never came.

The period: 48 hours after pairing. A discussion still open 48 hours after it was
opened, in which a participant has not written a single message, is closed as
`no_show`. `close_discussions` then sends every participant still within their
deadline back to the queue at their old place (their deadline) and tells them; the
two are never paired together again this CET year, however they were paired. Nobody
loses their CET: the one who did not turn up may still be paired again before their
deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.db import transaction
from peercet.events import Outcome
from peercet.lifecycle import DiscussionState
from peercet.rooms import close_discussions
from peercet.tables import Discussion, Message, Participant

NO_SHOW_PERIOD = timedelta(hours=48)
BATCH = 500


async def no_show_ids(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[int]:
    spoke = exists().where(
        and_(
            Message.discussion_id == Participant.discussion_id,
            Message.author_id == Participant.registrant_id,
        )
    )
    rows = await session.scalars(
        select(Discussion.id)
        .join(Participant, Participant.discussion_id == Discussion.id)
        .where(
            Discussion.state == DiscussionState.OPEN.value,
            Discussion.created_at <= now - NO_SHOW_PERIOD,
            ~spoke,
        )
        .distinct()
        .order_by(Discussion.id)
        .limit(limit)
    )
    return list(rows)


async def close_no_shows(sessions: async_sessionmaker[AsyncSession], now: datetime) -> Outcome:
    """Close every no-show discussion, a batch per transaction; the caller then runs
    `effects(outcome)`, which re-queues (and may re-pair) those sent back."""
    outcome = Outcome()
    while True:
        async with transaction(sessions) as session:
            ids = await no_show_ids(session, now)
            if ids:
                outcome.extend(await close_discussions(session, ids, "no_show", now))
        if len(ids) < BATCH:
            return outcome
