"""Invitations that expire unanswered (72 hours, or the inviter's deadline if sooner):
the inviter, still waiting, goes back to the public queue at their old place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.invitation_notices import tell_expired
from matching.invitations import EXPIRED, PENDING
from peercet.completions import lifecycle
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import Event, State
from peercet.core.context import Context
from peercet.core.publish import AfterCommit, Aftermath, in_batches, nothing_after
from peercet.core.tables import Completion, Course, Invitation

BATCH = 500


async def expire(
    session: AsyncSession, now: datetime, ctx: Context, limit: int = BATCH
) -> tuple[int, Aftermath]:
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
        return 0, Aftermath()
    ended = await session.scalars(
        update(Invitation)
        .where(Invitation.id.in_(due), Invitation.state == PENDING)
        .values(state=EXPIRED, ended_at=now)
        .returning(Invitation)
    )
    aftermath = Aftermath()
    expired = list(ended)
    for invitation in expired:
        aftermath.extend(await _back_to_queue(session, invitation, now, ctx))
    return len(expired), aftermath


async def _back_to_queue(
    session: AsyncSession, invitation: Invitation, now: datetime, ctx: Context
) -> Aftermath:
    completion = await session.get_one(Completion, invitation.completion_id)
    if not lifecycle.allowed(State(completion.state), Event.PAIRED, completion.deadline, now):
        return Aftermath()
    course = await session.get_one(Course, completion.course_id)
    await tell_expired(session, invitation, completion, course, now, ctx)
    return Aftermath(
        requeue=[completion.id], deliveries=[completion_delivery(completion, course, None)]
    )


async def expire_due(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    ctx: Context,
    after_commit: AfterCommit = nothing_after,
    batch: int = BATCH,
) -> int:
    """The periodic duty (worker, `peercet sweep`): expire every invitation due at
    `now`, a batch per transaction, each batch's after-commit step run (pass the
    `Effects`, which re-queues and pairs the inviters); returns how many expired.
    Idempotent: a second run at the same `now` finds nothing."""

    async def step(session: AsyncSession) -> tuple[int, Aftermath]:
        return await expire(session, now, ctx, batch)

    return await in_batches(sessions, step, batch, after_commit)
