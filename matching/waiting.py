"""What the waiting page shows: since when, how many others, until when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.invitations import PENDING, invitation_frame
from matching.pairing import in_public_queue
from peercet.lifecycle import State
from peercet.tables import Completion, Invitation


async def waiting_view(
    session: AsyncSession, completion: Completion, now: datetime
) -> dict[str, Any]:
    """Counted from the database (the truth), not from the Redis index."""
    in_queue = (
        Completion.course_id == completion.course_id,
        Completion.id != completion.id,
        in_public_queue(now),
    )
    others = await session.scalar(select(func.count()).select_from(Completion).where(*in_queue))
    ahead = await session.scalar(
        select(func.count())
        .select_from(Completion)
        .where(*in_queue, Completion.deadline < completion.deadline)
    )
    invitation = await session.scalar(
        select(Invitation).where(
            Invitation.completion_id == completion.id, Invitation.state == PENDING
        )
    )
    waiting = completion.state == State.SEEKING_PEER.value
    return {
        "completion_id": completion.id,
        "state": completion.state,
        "waiting": waiting,
        "waiting_since": completion.queued_at.isoformat() if completion.queued_at else None,
        "others_waiting": others or 0,
        "ahead": ahead or 0,
        "deadline": completion.deadline.isoformat(),
        "discussion_id": completion.discussion_id,
        "invitation": invitation_frame(invitation) if invitation else None,
    }
