"""What the waiting page shows: since when, how many others, until when (once paired,
until the discussion closes: the earlier of the two deadlines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.opening import closing_time
from matching.invitations import PENDING, invitation_frame
from matching.pairing import invited_out
from matching.views import WaitingView
from peercet.completions.lifecycle import State
from peercet.completions.own import own_completion
from peercet.core.tables import Completion, Course, Invitation


async def waiting_view(session: AsyncSession, completion: Completion, now: datetime) -> WaitingView:
    """Counted from the database (the truth), not from the Redis index. Deadlines are
    compared here, not in SQL, so SQLite looks up this course, not every waiting row."""
    deadlines = list(
        await session.scalars(
            select(Completion.deadline).where(
                Completion.course_id == completion.course_id,
                Completion.id != completion.id,
                Completion.state == State.SEEKING_PEER.value,
                ~invited_out(),
            )
        )
    )
    others = [d for d in deadlines if d > now]
    ahead = [d for d in others if d < completion.deadline]
    invitation = await session.scalar(
        select(Invitation).where(
            Invitation.completion_id == completion.id, Invitation.state == PENDING
        )
    )
    waiting = completion.state == State.SEEKING_PEER.value
    closes_at = (
        await closing_time(session, completion.discussion_id)
        if completion.state == State.IN_DISCUSSION.value and completion.discussion_id
        else None
    )
    return {
        "completion_id": completion.id,
        "state": completion.state,
        "waiting": waiting,
        "waiting_since": completion.queued_at.isoformat() if completion.queued_at else None,
        "others_waiting": len(others),
        "ahead": len(ahead),
        "deadline": completion.deadline.isoformat(),
        "discussion_id": completion.discussion_id,
        "closes_at": closes_at.isoformat() if closes_at else None,
        "invitation": invitation_frame(invitation) if invitation else None,
    }


@dataclass(frozen=True)
class Waiting:
    completion: Completion
    course: Course
    view: WaitingView


async def own_waiting(
    session: AsyncSession, registrant_id: int, completion_id: int, now: datetime
) -> Waiting:
    """The registrant's own completion as it waits (anyone else's is not found)."""
    completion, course = await own_completion(session, registrant_id, completion_id)
    return Waiting(completion, course, await waiting_view(session, completion, now))
