"""Invitations that expire unanswered (72 hours, or the inviter's deadline if sooner):
the inviter, still waiting, goes back to the public queue at their old place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.invitation_notices import tell_expired
from matching.invitations import EXPIRED, PENDING
from peercet.completions.deadlines import AfterCommit
from peercet.completions.frames import completion_event
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.events import Outcome
from peercet.core.tables import Completion, Course, Invitation

BATCH = 500


async def expire(session: AsyncSession, now: datetime, limit: int = BATCH) -> tuple[int, Outcome]:
    """End up to `limit` invitations past their expiry. Each inviter still waiting and
    within their deadline goes back to the public queue at their old place (the queue's
    score is the deadline) and is told: a notification and a `completion` frame. An
    inviter at their deadline is the fallback's, which tells them itself."""
    due = list(
        await session.scalars(
            select(Invitation.id)
            .where(Invitation.state == PENDING, Invitation.expires_at <= now)
            .order_by(Invitation.expires_at, Invitation.id)
            .limit(limit)
        )
    )
    if not due:
        return 0, Outcome()
    ended = await session.scalars(
        update(Invitation)
        .where(Invitation.id.in_(due), Invitation.state == PENDING)
        .values(state=EXPIRED, ended_at=now)
        .returning(Invitation)
    )
    outcome = Outcome()
    expired = list(ended)
    for invitation in expired:
        outcome.extend(await _back_to_queue(session, invitation, now))
    return len(expired), outcome


async def _back_to_queue(session: AsyncSession, invitation: Invitation, now: datetime) -> Outcome:
    completion = await session.get_one(Completion, invitation.completion_id)
    if completion.state != State.SEEKING_PEER.value or completion.deadline <= now:
        return Outcome()
    course = await session.get_one(Course, completion.course_id)
    await tell_expired(session, invitation, completion, course, now)
    return Outcome(requeue=[completion.id], events=[completion_event(completion, course, None)])


async def _nothing(outcome: Outcome) -> None:
    return None


async def expire_due(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    after_commit: AfterCommit = _nothing,
    batch: int = BATCH,
) -> int:
    """The periodic duty (worker, `peercet sweep`): expire every invitation due at
    `now`, a batch per transaction, each batch's after-commit step run (pass the
    `Effects`, which re-queues and pairs the inviters); returns how many expired.
    Idempotent: a second run at the same `now` finds nothing."""
    total = 0
    while True:
        async with transaction(sessions) as session:
            count, outcome = await expire(session, now, batch)
        await after_commit(outcome)
        total += count
        if count < batch:
            return total
