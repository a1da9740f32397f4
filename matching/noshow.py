"""No-shows (rule 7): a discussion nobody can finish because a peer never came, or
came, wrote once and vanished.

The rule (`no_shows`, pure): 48 hours after pairing (`NO_SHOW_PERIOD`), a participant
who has not *taken part* (written at least one message on every prompt:
discussion.rules.took_part) is a no-show, and the open discussion is closed as
`no_show`. Both not taken part: both are no-shows; one has: the other is. A discussion
in which both have taken part is never a no-show (it waits for the validations, until
it closes at the pair's earlier deadline). Closing it (`discussion.opening.close_discussions`)
sends every participant still within their deadline back to the queue at their old
place (scored by their deadline, so ahead of later deadlines), whether they took part
or not, and tells them; the two are never paired together again this CET year. Nobody
loses their CET: the no-show may still be paired again before their deadline.

`run_no_shows(sessions, now, after_commit) -> int` is the duty (the worker every five
minutes, `peercet sweep`): it returns how many discussions it closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.opening import close_discussions
from peercet.completions.lifecycle import DiscussionState
from peercet.core.context import Links
from peercet.core.db import transaction
from peercet.core.publish import AfterCommit, Aftermath, nothing_after
from peercet.core.tables import Discussion, DiscussionPrompt, Message, Participant

NO_SHOW_PERIOD = timedelta(hours=48)
BATCH = 500
REASON = "no_show"


def no_shows(
    paired_at: datetime, now: datetime, took_part: Mapping[int, bool],
    period: timedelta = NO_SHOW_PERIOD,
) -> frozenset[int]:  # fmt: skip
    """The participants who are no-shows at `now`: once `period` has passed since
    pairing, those who have not taken part. Any no-show closes the discussion."""
    if now < paired_at + period:
        return frozenset()
    return frozenset(rid for rid, took in took_part.items() if not took)


def _not_taken_part() -> ColumnElement[bool]:
    """SQL for `not discussion.rules.took_part(...)` of a participant row: no message of
    theirs at all, or a prompt of the discussion with no message of theirs on it."""
    theirs = and_(
        Message.discussion_id == Participant.discussion_id,
        Message.author_id == Participant.registrant_id,
        Message.kind == "peer",
    )
    on_it = exists().where(theirs, Message.prompt_id == DiscussionPrompt.id)
    unanswered = exists().where(
        DiscussionPrompt.discussion_id == Participant.discussion_id,
        ~on_it.correlate_except(Message),
    )
    return or_(~exists().where(theirs), unanswered.correlate_except(DiscussionPrompt))


async def no_show_ids(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[int]:
    """Open discussions with a no-show at `now` (`no_shows`, in SQL)."""
    rows = await session.scalars(
        select(Discussion.id)
        .join(Participant, Participant.discussion_id == Discussion.id)
        .where(
            Discussion.state == DiscussionState.OPEN.value,
            Discussion.created_at <= now - NO_SHOW_PERIOD,
            _not_taken_part(),
        )
        .distinct()
        .order_by(Discussion.id)
        .limit(limit)
    )
    return list(rows)


async def run_no_shows(
    sessions: async_sessionmaker[AsyncSession], now: datetime, links: Links,
    after_commit: AfterCommit = nothing_after,
) -> int:  # fmt: skip
    """Close every discussion with a no-show, a batch per transaction, each batch's
    `after_commit` (effects: re-queue and re-pair) after its commit; returns how many
    discussions were closed."""
    closed = 0
    while True:
        async with transaction(sessions) as session:
            ids = await no_show_ids(session, now)
            aftermath = (
                await close_discussions(session, ids, REASON, now, links) if ids else Aftermath()
            )
        await after_commit(aftermath)
        closed += sum(1 for e in aftermath.deliveries if e.frame.get("type") == "closed")
        if len(ids) < BATCH:
            return closed
