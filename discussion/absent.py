"""Telling an absent partner (issue 13.8): when a participant writes for the first time
in a discussion, or validates it, the other, if no socket of theirs is in the discussion
(presence, across web processes, is the caller's to read from Redis), gets an email with
a link to it; never more than one such email per discussion and recipient an hour
(`rules.tell_absent`, on the injected clock).

The hourly limit is read from the outbox itself: each email's dedupe key names the
discussion, the recipient and the hour it was written in (`hour_key`), so the last hour's
emails are two exact lookups on the unique key, whatever the size of the outbox.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion import rules
from discussion.opening import closing_time
from peercet.completions.lifecycle import DiscussionState
from peercet.core.context import Context
from peercet.core.tables import Course, Discussion, Message, OutgoingEmail, Participant, Registrant
from peercet.notify.notices import Notice, scheme_time, send_email

HOUR = 3600


class Happened(StrEnum):
    WROTE = "wrote"  # their first message in the discussion
    VALIDATED = "validated"


def hour_key(discussion_id: int, recipient_id: int, at: datetime) -> str:
    return f"absent:{discussion_id}:{recipient_id}:{int(at.timestamp()) // HOUR}"


async def first_message_seq(
    session: AsyncSession, discussion_id: int, author_id: int
) -> int | None:
    """The seq of the author's first peer message in the discussion (one indexed lookup)."""
    return await session.scalar(
        select(func.min(Message.seq)).where(
            Message.discussion_id == discussion_id,
            Message.author_id == author_id,
            Message.kind == "peer",
        )
    )


async def _last_told(
    session: AsyncSession, discussion_id: int, recipient_id: int, now: datetime
) -> datetime | None:
    """The last hour's email to them about this discussion lies in this hour or the one
    before: two keys, looked up on the unique index."""
    hour = int(now.timestamp()) // HOUR
    keys = [f"absent:{discussion_id}:{recipient_id}:{h}" for h in (hour - 1, hour)]
    last: datetime | None = await session.scalar(
        select(func.max(OutgoingEmail.created_at)).where(OutgoingEmail.dedupe_key.in_(keys))
    )
    return last


async def tell_absent_partner(
    session: AsyncSession, discussion_id: int, actor_id: int, happened: Happened,
    online: Set[int], now: datetime, ctx: Context,
) -> list[int]:  # fmt: skip
    """Email every other participant not `online` whom the hourly limit allows; returns
    whom. Their participant rows are locked first, so two processes never both send."""
    discussion = await session.get(Discussion, discussion_id)
    if discussion is None or discussion.state != DiscussionState.OPEN:
        return []
    others = list(
        await session.scalars(
            select(Participant.registrant_id)
            .where(
                Participant.discussion_id == discussion_id, Participant.registrant_id != actor_id
            )
            .order_by(Participant.registrant_id)
            .with_for_update()
        )
    )
    told = []
    for rid in others:
        last = await _last_told(session, discussion_id, rid, now)
        if rules.tell_absent(rid in online, last, now):
            await _email(session, discussion, actor_id, rid, happened, now, ctx)
            told.append(rid)
    return told


async def _email(
    session: AsyncSession, discussion: Discussion, actor_id: int, recipient_id: int,
    happened: Happened, now: datetime, ctx: Context,
) -> None:  # fmt: skip
    actor = await session.get_one(Registrant, actor_id)
    recipient = await session.get_one(Registrant, recipient_id)
    course = await session.get_one(Course, discussion.course_id)
    closes = await closing_time(session, discussion.id)
    doing = "has written in" if happened is Happened.WROTE else "has validated"
    until = "" if closes is None else f" It closes at {scheme_time(closes, ctx.tz)}."
    notice = Notice(
        kind="absent_partner",
        subject=f"{actor.name} {doing} your discussion for {course.ref}",
        body=f"Your discussion partner {actor.name} {doing} your discussion for {course.ref} "
        f"{course.title}. Write on every prompt and validate to earn the interactive point."
        f"{until}",
        link=f"/discussions/{discussion.id}",
        dedupe_key=hour_key(discussion.id, recipient_id, now),
    )
    send_email(session, recipient.email, recipient.name, notice, now, ctx.links)
