"""Disputes (DOMAIN.md rule 3): "my peer did not take part", and a moderator's decision.

A dispute leaves its discussion `disputed`: read-only, the disputer back in the queue
at once (keeping their deadline, so ahead of later ones), the other still in it and
able to validate, until a moderator decides or the other's deadline falls it back
(`dispute_expired`, in `discussion.deadlines`). A decision locks the participants'
completions in id order, then the discussion, as validation and the fallback do, so of
a decision, a validation and a deadline exactly one sees the discussion disputed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from discussion import opening as rooms
from discussion import reads, rules
from discussion.deadlines import fall_back
from discussion.rules import Verdict
from discussion.wire import ValidationFrame
from peercet.completions import lifecycle
from peercet.completions.awards import complete_interactive, notify_completed
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import (
    DISPUTE_AWARDED,
    DISPUTE_REFUSED,
    DISPUTED_BY_BOTH,
    DiscussionState,
)
from peercet.core import audit
from peercet.core.context import Context, Links
from peercet.core.errors import Conflict, Forbidden, NotFound
from peercet.core.publish import Aftermath, Delivery
from peercet.core.tables import (
    Completion,
    Course,
    Discussion,
    Dispute,
    Participant,
    Registrant,
    Validation,
)
from peercet.notify.notices import Notice, notify

ACTIONS = {True: "dispute_award", False: "dispute_refuse"}
CLOSED_AS = {True: DISPUTE_AWARDED, False: DISPUTE_REFUSED}


async def participants(session: AsyncSession, discussion_id: int) -> dict[int, int]:
    """Registrant id -> completion id, of the discussion's two participants."""
    rows = await session.execute(
        select(Participant.registrant_id, Participant.completion_id).where(
            Participant.discussion_id == discussion_id
        )
    )
    return {row.registrant_id: row.completion_id for row in rows}


async def lock(session: AsyncSession, people: dict[int, int], discussion_id: int) -> Discussion:
    """The completions in id order, then the discussion: the order of every writer."""
    await session.execute(
        select(Completion.id)
        .where(Completion.id.in_(sorted(people.values())))
        .order_by(Completion.id)
        .with_for_update()
    )
    discussion = await session.scalar(
        select(Discussion)
        .where(Discussion.id == discussion_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if discussion is None:
        raise NotFound("no such discussion")
    return discussion


def _named(course: Course) -> str:
    return f"{course.ref} {course.title}"


async def open_dispute(
    session: AsyncSession, discussion: Discussion, disputer: int, people: dict[int, int],
    reason: str, now: datetime, links: Links,
) -> Aftermath:  # fmt: skip
    """The disputer goes back to the queue at once; the discussion waits for a moderator."""
    deadlines = await session.scalars(
        select(Completion.deadline).where(Completion.id.in_(list(people.values())))
    )
    if not all(lifecycle.within_deadline(d, now) for d in deadlines):  # over: it falls back
        raise Conflict("the discussion's deadline has passed", "deadline_passed")
    session.add(
        Dispute(discussion_id=discussion.id, disputer_id=disputer, reason=reason, created_at=now)
    )
    await session.execute(
        update(Discussion)
        .where(Discussion.id == discussion.id)
        .values(state=DiscussionState.DISPUTED.value)
    )
    course = await session.get_one(Course, discussion.course_id)
    why = (
        f"You said your partner in the discussion for {_named(course)} did not take part: "
        "a moderator will read it and decide whether they still earn the interactive point."
    )
    disputed = lifecycle.Event.DISPUTED
    aftermath = await rooms.send_back(session, [people[disputer]], now, links, why, disputed)
    [other] = [rid for rid in people if rid != disputer]
    notice = Notice(
        kind="disputed",
        subject=f"Your discussion for {course.ref} is disputed",
        body=f"Your partner in the discussion for {_named(course)} said you did not take part. "
        "A moderator will read the discussion and decide whether you still earn the "
        "interactive point; until then you can still validate it.",
        link=f"/discussions/{discussion.id}",
        dedupe_key=f"disputed:{discussion.id}:{other}",
    )
    registrant = await session.get_one(Registrant, other)
    await notify(session, registrant, notice, now, links, completion_id=people[other])
    return aftermath


async def dispute_back(
    session: AsyncSession, discussion: Discussion, disputer: int, reason: str, now: datetime,
    links: Links,
) -> Aftermath:  # fmt: skip
    """The other says so too: nothing is left to decide, and both are back in the queue."""
    session.add(
        Dispute(discussion_id=discussion.id, disputer_id=disputer, reason=reason, created_at=now)
    )
    return await rooms.close_discussions(session, [discussion.id], DISPUTED_BY_BOTH, now, links)


async def decide(
    session: AsyncSession, moderator: Registrant, discussion_id: int, award: bool, reason: str,
    now: datetime, ctx: Context,
) -> Aftermath:  # fmt: skip
    """A moderator's decision on a disputed discussion, in the audit log with its reason."""
    people = await participants(session, discussion_id)
    discussion = await lock(session, people, discussion_id)
    if moderator.id in people:
        raise Forbidden("a moderator does not decide their own discussion", "own_discussion")
    dispute = await session.scalar(
        select(Dispute).where(Dispute.discussion_id == discussion_id).order_by(Dispute.id).limit(1)
    )
    if dispute is None:
        raise Conflict("only a disputed discussion waits for a decision", "not_disputed")
    [other] = [rid for rid in people if rid != dispute.disputer_id]
    completion = await session.get_one(Completion, people[other], populate_existing=True)
    over = lifecycle.deadline_reached(completion.deadline, now)
    check = rules.check_decision(
        discussion.state, discussion.closed_reason, award,
        await _confirmed(session, discussion_id, other), over,
    )  # fmt: skip
    if check.code is not None or check.verdict is None:
        raise Conflict(check.message, check.code)
    await _close(session, discussion, dispute, moderator, award, reason, now)
    aftermath = await _carry_out(session, check.verdict, completion, reason, now, ctx)
    await _tell(session, discussion, people, dispute.disputer_id, award, reason, now, ctx.links)
    aftermath.deliveries.insert(0, await validation_delivery(session, discussion_id))
    return aftermath


async def _confirmed(session: AsyncSession, discussion_id: int, registrant_id: int) -> bool:
    """Took part, and validated that their peer did."""
    said = await session.scalar(
        select(Validation.peer_took_part).where(
            Validation.discussion_id == discussion_id,
            Validation.registrant_id == registrant_id,
        )
    )
    took = await reads.taking_part(session, discussion_id)
    return bool(said) and took.get(registrant_id, False)


async def _close(
    session: AsyncSession, discussion: Discussion, dispute: Dispute, moderator: Registrant,
    award: bool, reason: str, now: datetime,
) -> None:  # fmt: skip
    closed = await session.execute(
        update(Discussion)
        .where(Discussion.id == discussion.id, Discussion.state == DiscussionState.DISPUTED.value)
        .values(state=DiscussionState.CLOSED.value, closed_reason=CLOSED_AS[award], closed_at=now)
        .returning(Discussion.id)
    )
    if closed.first() is None:  # decided or closed meanwhile (the lock makes this rare)
        raise Conflict("a moderator has already decided this dispute", "already_decided")
    await session.execute(
        update(Dispute)
        .where(Dispute.id == dispute.id)
        .values(decided_at=now, decided_by=moderator.id, award=award, decision_reason=reason)
    )
    subject = f"discussion:{discussion.id}"
    await audit.record(session, now, moderator, ACTIONS[award], subject, reason)


async def _carry_out(
    session: AsyncSession, verdict: Verdict, completion: Completion, reason: str, now: datetime,
    ctx: Context,
) -> Aftermath:  # fmt: skip
    """The other's completion: interactive (one point record), re-queued, or fallen back."""
    if verdict is Verdict.FALL_BACK:
        return (await fall_back(session, [completion.id], now, ctx))[1]
    course = await session.get_one(Course, completion.course_id)
    if verdict is Verdict.REQUEUE:
        why = (
            f"A moderator decided that your discussion for {_named(course)} "
            "earns no interactive point."
        )
        peer_lost = lifecycle.Event.PEER_LOST
        return await rooms.send_back(session, [completion.id], now, ctx.links, why, peer_lost)
    awarded = lifecycle.Event.AWARDED
    [(done, award)] = await complete_interactive(session, [completion.id], now, awarded)
    registrant = await session.get_one(Registrant, done.registrant_id)
    await notify_completed(session, registrant, done, course, now, ctx)
    return Aftermath([completion_delivery(done, course, award)])


async def _tell(
    session: AsyncSession, discussion: Discussion, people: dict[int, int], disputer: int,
    award: bool, reason: str, now: datetime, links: Links,
) -> None:  # fmt: skip
    """Both participants hear the decision and its reason (on screen and by email)."""
    course = await session.get_one(Course, discussion.course_id)
    if award:
        said = "the partner who was disputed took part and earns the interactive point"
    else:
        said = "the discussion earns no interactive point"
    for rid, completion_id in people.items():
        registrant = await session.get_one(Registrant, rid)
        whose = "you disputed" if rid == disputer else "that was disputed"
        notice = Notice(
            kind="dispute_decided",
            subject=f"A moderator decided the dispute about {course.ref}",
            body=f"A moderator read the discussion for {_named(course)} {whose} and decided "
            f"that {said}. The moderator's reason: {reason}",
            link=f"/discussions/{discussion.id}",
            dedupe_key=f"decided:{discussion.id}:{rid}",
        )
        await notify(session, registrant, notice, now, links, completion_id=completion_id)


async def validation_delivery(session: AsyncSession, discussion_id: int) -> Delivery:
    """The `validation` frame to the room: who validated, and the discussion's state."""
    discussion = await session.get_one(Discussion, discussion_id, populate_existing=True)
    frame: ValidationFrame = {
        "type": "validation",
        "discussion": discussion_id,
        "validations": await reads.validations(session, discussion_id),
        "state": discussion.state,
        "closed_reason": discussion.closed_reason,
    }
    return Delivery(frame, discussion_id=discussion_id)
