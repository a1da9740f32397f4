"""Opening and closing discussions: where completions and discussions meet.

Matching opens a room for two waiting completions; a fallback, a moderator or a
no-show closes one, sending the peer still within their deadline back to the queue
(rule 7). The conversation itself lives in `discussion/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.wire import MatchedFrame, closed_frame
from peercet.completions import lifecycle
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import (
    UNDECIDED_DISCUSSIONS,
    DiscussionState,
    Seat,
    State,
    closes_at,
    within_deadline,
)
from peercet.completions.moves import Rows, move
from peercet.core.context import Context, Links
from peercet.core.errors import Conflict
from peercet.core.publish import Aftermath, Delivery, Paired
from peercet.core.tables import (
    Completion,
    Course,
    CoursePrompt,
    Discussion,
    DiscussionPrompt,
    Participant,
    Registrant,
)
from peercet.notify.notices import Notice, notify, scheme_time

UNDECIDED = [s.value for s in UNDECIDED_DISCUSSIONS]


async def open_discussion(
    session: AsyncSession, completions: list[Completion], now: datetime, ctx: Context
) -> tuple[Discussion, Aftermath]:
    """Pair two waiting completions of one course (both must still be seeking a peer).
    Every pairing comes through here, so the aftermath names the pair as met (`Paired`)."""
    first, second = completions
    assert first.course_id == second.course_id and first.registrant_id != second.registrant_id
    closes_at = pair_closes_at(completions)
    if not within_deadline(closes_at, now):  # a deadline never changes
        raise Conflict("a completion's deadline has passed", "deadline_passed")
    discussion = await _new_room(session, first.course_id, now)
    paired = lifecycle.Event.PAIRED
    moved = await move(session, [first.id, second.id], paired, now, discussion_id=discussion.id)
    if len(moved) != 2:
        raise Conflict("a completion is no longer waiting for a peer", "state_changed")
    session.add_all(
        Participant(discussion_id=discussion.id, registrant_id=c.registrant_id, completion_id=c.id)
        for c in completions
    )
    course = await session.get_one(Course, first.course_id)
    aftermath = Aftermath(
        paired=[Paired(course.id, first.cet_year, first.registrant_id, second.registrant_id)]
    )
    for completion in completions:
        await session.refresh(completion)
        aftermath.deliveries.extend(_matched(completion, course, discussion.id, closes_at))
        registrant = await session.get_one(Registrant, completion.registrant_id)
        notice = _paired_notice(completion, course, discussion.id, scheme_time(closes_at, ctx.tz))
        await notify(session, registrant, notice, now, ctx.links, completion_id=completion.id)
    return discussion, aftermath


async def _new_room(session: AsyncSession, course_id: int, now: datetime) -> Discussion:
    """An open discussion of the course, with a copy of the course's prompts."""
    discussion = Discussion(
        course_id=course_id, state=DiscussionState.OPEN.value, created_at=now, last_seq=0
    )
    session.add(discussion)
    await session.flush()
    prompts = await session.scalars(
        select(CoursePrompt)
        .where(CoursePrompt.course_id == course_id)
        .order_by(CoursePrompt.position)
    )
    session.add_all(
        DiscussionPrompt(discussion_id=discussion.id, position=p.position, text=p.text)
        for p in prompts
    )
    return discussion


def _matched(
    completion: Completion, course: Course, discussion_id: int, closes_at: datetime
) -> list[Delivery]:
    """What a paired registrant's pages are told: `matched`, then the completion."""
    matched = MatchedFrame(
        type="matched", completion=completion.id, discussion=discussion_id,
        closes_at=closes_at.isoformat(),
    )  # fmt: skip
    return [
        Delivery(matched, registrant_id=completion.registrant_id),
        completion_delivery(completion, course, None),
    ]


def _paired_notice(
    completion: Completion, course: Course, discussion_id: int, closes: str
) -> Notice:
    return Notice(
        kind="paired",
        subject=f"You have a discussion partner for {course.ref}",
        body=f"You have been paired for {course.ref} {course.title}. "
        f"Discuss every prompt and validate before {closes}: the discussion "
        "closes then, at the earlier of your two deadlines.",
        link=f"/discussions/{discussion_id}",
        dedupe_key=f"paired:{completion.id}:{discussion_id}",
    )


def pair_closes_at(completions: Iterable[Completion]) -> datetime:
    """The pair's one deadline at pairing: the earlier of the two (both still in it)."""
    closes = closes_at(Seat(c.deadline) for c in completions)
    assert closes is not None
    return closes


async def closing_times(
    session: AsyncSession, discussion_ids: Iterable[int]
) -> dict[int, datetime]:
    """`closes_at` of each discussion, derived from its participants' completions
    (deadlines never change; a dispute takes the disputer's completion out of it)."""
    rows = await session.execute(
        select(Participant.discussion_id, Completion.deadline, Completion.state,
               Completion.discussion_id)
        .join(Completion, Completion.id == Participant.completion_id)
        .where(Participant.discussion_id.in_(sorted(set(discussion_ids))))
    )  # fmt: skip
    seats: dict[int, list[Seat]] = {}
    for discussion_id, deadline, state, in_discussion in rows:
        present = state == State.IN_DISCUSSION.value and in_discussion == discussion_id
        seats.setdefault(discussion_id, []).append(Seat(deadline, present))
    return {d: at for d, s in seats.items() if (at := closes_at(s)) is not None}


async def pair_deadlines(
    session: AsyncSession, completions: Iterable[Completion]
) -> dict[int, datetime]:
    """For each completion in a discussion: the date it must be validated by, its
    discussion's `closes_at` (by completion id)."""
    rooms = {c.id: c.discussion_id for c in completions
             if c.state == State.IN_DISCUSSION.value and c.discussion_id is not None}  # fmt: skip
    closing = await closing_times(session, rooms.values()) if rooms else {}
    return {cid: closing[d] for cid, d in rooms.items() if d in closing}


async def closing_time(session: AsyncSession, discussion_id: int) -> datetime | None:
    return (await closing_times(session, [discussion_id])).get(discussion_id)


async def close_discussions(
    session: AsyncSession,
    discussion_ids: Iterable[int],
    reason: str,
    now: datetime,
    links: Links,
    disputed_reason: str | None = None,
) -> Aftermath:
    """Close open (or disputed) discussions without completing them; peers within their
    deadline go back to the queue, keeping their deadline (and so their place). A
    disputed one is closed with `disputed_reason` when given (a fallback's)."""
    ids = list(discussion_ids)
    named = reason if disputed_reason is None else disputed_reason
    closed = await session.execute(
        update(Discussion)
        .where(Discussion.id.in_(ids), Discussion.state.in_(UNDECIDED))
        .values(
            state=DiscussionState.CLOSED.value,
            closed_reason=case(
                (Discussion.state == DiscussionState.DISPUTED.value, named), else_=reason
            ),
            closed_at=now,
        )
        .returning(Discussion.id, Discussion.closed_reason)
    )
    closed_rows = closed.all()
    closed_ids = [row[0] for row in closed_rows]
    aftermath = Aftermath()
    if not closed_ids:
        return aftermath
    aftermath.deliveries.extend(
        Delivery(closed_frame(d, why), discussion_id=d) for d, why in closed_rows
    )
    left = Completion.discussion_id.in_(closed_ids)
    because = WHY.get(reason, "")
    return aftermath.extend(
        await _requeue(session, left, lifecycle.Event.PEER_LOST, now, links, because=because)
    )


# Why a discussion ended, told to those sent back to the queue (by the closing reason).
WHY = {
    "no_show": " It closed because a participant had not written on every prompt within "
    "48 hours of being paired (a no-show).",
}


async def send_back(
    session: AsyncSession,
    completion_ids: list[int],
    now: datetime,
    links: Links,
    why: str,
    transition: lifecycle.Event,
) -> Aftermath:
    """Participants leaving a discussion that stays as it is (a dispute, a moderator's
    refusal: `transition`): back to the queue at once if within their deadline, keeping
    it (so ahead of later ones); told `why`."""
    return await _requeue(session, completion_ids, transition, now, links, why)


async def _requeue(
    session: AsyncSession,
    rows: Rows,
    transition: lifecycle.Event,
    now: datetime,
    links: Links,
    why: str | None = None,
    because: str = "",
) -> Aftermath:
    """Out of their discussion and back to the queue, those of `rows` still within their
    deadline (the table's guard for `transition`), each told so (`_tell_requeued`)."""
    ids = await move(session, rows, transition, now, discussion_id=None)
    return await _tell_requeued(session, ids, now, links, why, because) if ids else Aftermath()


async def _tell_requeued(
    session: AsyncSession,
    completion_ids: list[int],
    now: datetime,
    links: Links,
    why: str | None = None,
    because: str = "",
) -> Aftermath:
    """Tell each registrant sent back to the queue: `why` in place of the plain
    "ended before it was validated", `because` after it (a closing reason's account)."""
    aftermath = Aftermath(requeue=list(completion_ids))
    completions = await session.scalars(select(Completion).where(Completion.id.in_(completion_ids)))
    for completion in completions:
        await session.refresh(completion)
        course = await session.get_one(Course, completion.course_id)
        registrant = await session.get_one(Registrant, completion.registrant_id)
        aftermath.deliveries.append(completion_delivery(completion, course, None))
        await notify(
            session,
            registrant,
            Notice(
                kind="requeued",
                subject=f"Finding you a new partner for {course.ref}",
                body=(
                    why
                    or f"Your discussion for {course.ref} {course.title} ended before it "
                    "was validated."
                )
                + because
                + " You are back in the queue, keeping your deadline and your place.",
                link=f"/account/completions/{completion.id}",
            ),
            now,
            links,
            completion_id=completion.id,
        )
    return aftermath
