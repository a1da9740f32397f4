"""Inviting a named colleague instead of waiting for a stranger (rule 3, issues 5.6, 13.6).

The rules themselves (expiry, the daily limit, who is oneself) are in
`invitation_rules`; what people are told, in `invitation_notices`.
While an invitation stands the inviter is out of the public queue. The invitee is
paired with the inviter ahead of the queue as soon as both are waiting for the same
course: at once if the invitee already waits, or when they later choose interactive
within the inviter's deadline. The database decides, as for every pairing:
`open_discussion` moves both only if both are still seeking a peer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement

from discussion.opening import open_discussion
from matching import invitation_rules as rules
from matching.invitation_notices import email_stranger, tell_expired, tell_invitee
from matching.invitation_rules import Target, parse_target
from matching.views import InvitationView
from peercet.catalogue.loading import may_take
from peercet.completions.deadlines import AfterCommit
from peercet.completions.frames import completion_event
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.errors import BadInput, Conflict, NotFound, RateLimited
from peercet.core.events import Outcome
from peercet.core.tables import Completion, Course, Invitation, Registrant

__all__ = ["Target", "cancel", "expire_due", "invitation_frame", "invite", "parse_target"]

PENDING = "pending"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
EXPIRED = "expired"  # 72 hours, or the inviter's deadline, passed unanswered
ENDED = "ended"  # the inviter was paired or left some other way
BATCH = 500


class TooManyInvitations(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"at most {rules.DAILY_LIMIT} invitations in 24 hours: "
            f"try again in {max(1, (retry_after + 59) // 60)} minute(s)",
            "rate_limited",
        )
        self.retry_after = retry_after


def invitation_frame(invitation: Invitation) -> InvitationView:
    """What the inviter sees: the same fields whoever the address belongs to (nothing
    says whether it has an account)."""
    return {
        "id": invitation.id,
        "completion_id": invitation.completion_id,
        "email": invitation.invitee_email,
        "goc_number": invitation.invitee_goc_number,
        "state": invitation.state,
        "created_at": invitation.created_at.isoformat(),
        "expires_at": invitation.expires_at.isoformat(),
    }


async def _find_invitee(session: AsyncSession, target: Target) -> Registrant | None:
    if target.email is not None:
        where = func.lower(Registrant.email) == target.email
    else:
        where = Registrant.goc_number == target.goc_number
    return await session.scalar(select(Registrant).where(where).order_by(Registrant.id).limit(1))


async def _check_daily_limit(session: AsyncSession, inviter: Registrant, now: datetime) -> None:
    """At most ten invitations in any 24 hours (invitation_rules), counted in the database."""
    recent = await session.scalars(
        select(Invitation.created_at)
        .join(Completion, Completion.id == Invitation.completion_id)
        .where(
            Completion.registrant_id == inviter.id,
            Invitation.created_at > now - rules.LIMIT_WINDOW,
        )
    )
    wait = rules.retry_after(list(recent), now)
    if wait is not None:
        raise TooManyInvitations(wait)


async def _hold_seeking(session: AsyncSession, completion: Completion) -> None:
    """Lock the inviter's row (PostgreSQL) and check it still waits, or 409."""
    held = await session.execute(
        update(Completion)
        .where(Completion.id == completion.id, Completion.state == State.SEEKING_PEER.value)
        .values(state=State.SEEKING_PEER.value)
        .returning(Completion.id)
    )
    if held.first() is None:
        raise Conflict("only a registrant waiting for a peer can invite one", "not_seeking_peer")
    pending = await session.scalar(
        select(Invitation.id).where(
            Invitation.completion_id == completion.id, Invitation.state == PENDING
        )
    )
    if pending is not None:
        raise Conflict("an invitation already stands; cancel it first", "invitation_pending")


async def invite(
    session: AsyncSession,
    inviter: Registrant,
    completion: Completion,
    target: Target,
    now: datetime,
) -> tuple[Invitation, Outcome]:
    """Create the invitation. Whatever the address, the answer is the same pending
    invitation: an invitee who already waits for this course is paired after the commit
    (the matcher finds the invitation), and who is told what happens behind the scenes."""
    if rules.names_self(target, inviter.email, inviter.goc_number):
        raise BadInput("you cannot invite yourself", "self_invitation")
    await _check_daily_limit(session, inviter, now)
    invitee = await _find_invitee(session, target)
    if invitee is not None and invitee.id == inviter.id:
        raise BadInput("you cannot invite yourself", "self_invitation")
    waiting = None if invitee is None else await hold_invitee(session, invitee.id, completion)
    await _hold_seeking(session, completion)
    invitation = Invitation(
        completion_id=completion.id,
        invitee_email=target.email,
        invitee_goc_number=target.goc_number,
        invitee_id=invitee.id if invitee else None,
        state=PENDING,
        created_at=now,
        expires_at=rules.expires_at(now, completion.deadline),
    )
    session.add(invitation)
    await session.flush()
    outcome = Outcome(dequeue=[completion.id])
    course = await session.get_one(Course, completion.course_id)
    if invitee is None:
        email_stranger(session, inviter, invitation, course, now)
    elif not may_take(invitee.profession, course.professions):
        pass  # they cannot take the course: nobody is told, least of all the inviter
    elif waiting is not None and waiting.state == State.SEEKING_PEER.value:
        outcome.dequeue.append(waiting.id)  # out of the public queue, then to the inviter
        outcome.requeue.append(waiting.id)
    else:
        await tell_invitee(session, inviter, invitee, invitation, course, now)
    return invitation, outcome


async def hold_invitee(
    session: AsyncSession, registrant_id: int, inviter_completion: Completion
) -> Completion | None:
    """The invitee's completion of the course. It and the inviter's are locked, in id
    order (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): a choice
    cannot commit between this read and the invitation, so either we see them waiting
    or their choice sees it; and two who invite each other at once take turns rather
    than deadlock."""
    rows = await session.scalars(
        select(Completion)
        .where(
            or_(
                Completion.id == inviter_completion.id,
                and_(
                    Completion.registrant_id == registrant_id,
                    Completion.course_id == inviter_completion.course_id,
                    Completion.cet_year == inviter_completion.cet_year,
                ),
            )
        )
        .order_by(Completion.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return next((c for c in rows if c.id != inviter_completion.id), None)


async def accept_pairing(
    session: AsyncSession,
    invitation: Invitation,
    inviter: Completion,
    invitee: Completion,
    now: datetime,
) -> Outcome:
    _, outcome = await open_discussion(session, [inviter, invitee], now)
    invitation.state = ACCEPTED
    invitation.invitee_id = invitee.registrant_id
    invitation.ended_at = now
    await end_pending(session, [invitee.id], now)
    return outcome


async def end_pending(session: AsyncSession, completion_ids: list[int], now: datetime) -> None:
    """Invitations made by completions that have just been paired no longer stand."""
    await session.execute(
        update(Invitation)
        .where(Invitation.completion_id.in_(completion_ids), Invitation.state == PENDING)
        .values(state=ENDED, ended_at=now)
    )


async def cancel(
    session: AsyncSession, completion: Completion, invitation_id: int, now: datetime
) -> Outcome:
    """The inviter goes back to the public queue, keeping their deadline."""
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.completion_id != completion.id:
        raise NotFound("no such invitation")
    ended = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.state == PENDING)
        .values(state=CANCELLED, ended_at=now)
        .returning(Invitation.id)
    )
    if ended.first() is None:
        raise Conflict("this invitation no longer stands", "invitation_ended")
    return Outcome(requeue=[completion.id])


def _answers(
    invitation: Invitation, inviter: Completion, completion: Completion, now: datetime
) -> bool:
    return (
        invitation.expires_at > now  # past it, the expiry sweep is about to end it
        and inviter.course_id == completion.course_id
        and inviter.cet_year == completion.cet_year
        and inviter.state == State.SEEKING_PEER.value
        and inviter.deadline > now
        and inviter.registrant_id != completion.registrant_id
    )


def naming(registrant: Registrant) -> ColumnElement[bool]:
    """Invitations that name this registrant: by account, email or GOC number."""
    return or_(
        Invitation.invitee_id == registrant.id,
        Invitation.invitee_email == registrant.email.lower(),
        Invitation.invitee_goc_number == registrant.goc_number,
    )


async def _may_answer(
    session: AsyncSession, registrant: Registrant, completion: Completion
) -> bool:
    """Only a registrant whose profession can take the course answers an invitation;
    anyone else simply waits in the public queue, like everyone (issue 13.6)."""
    course = await session.get_one(Course, completion.course_id)
    return may_take(registrant.profession, course.professions)


async def find_invitation(
    session: AsyncSession, completion: Completion, now: datetime
) -> tuple[Invitation, Completion] | None:
    """The standing invitation (and the inviter's completion) this waiting
    completion answers: same course and year, inviter still waiting, not expired, the
    invitee's profession able to take the course; the inviter's earliest deadline first.
    Driven from the (few) standing invitations, never from the waiting completions."""
    registrant = await session.get_one(Registrant, completion.registrant_id)
    standing = list(
        await session.scalars(
            select(Invitation).where(Invitation.state == PENDING, naming(registrant))
        )
    )
    if not standing or not await _may_answer(session, registrant, completion):
        return None
    inviters = {
        c.id: c
        for c in await session.scalars(
            select(Completion).where(Completion.id.in_([i.completion_id for i in standing]))
        )
    }
    fitting = [
        (inviters[i.completion_id].deadline, i.id, i)
        for i in standing
        if _answers(i, inviters[i.completion_id], completion, now)
    ]
    if not fitting:
        return None
    invitation = min(fitting, key=lambda t: (t[0], t[1]))[2]
    return invitation, inviters[invitation.completion_id]


async def waiting_invitees(session: AsyncSession) -> list[Completion]:
    """Completions seeking a peer that a standing invitation names (same course and
    year); driven from the (few) standing invitations."""
    inviter, invitee = aliased(Completion), aliased(Registrant)
    rows = await session.scalars(
        select(Completion)
        .select_from(Invitation)
        .join(inviter, inviter.id == Invitation.completion_id)
        .join(
            invitee,
            or_(
                Invitation.invitee_id == invitee.id,
                Invitation.invitee_email == func.lower(invitee.email),
                Invitation.invitee_goc_number == invitee.goc_number,
            ),
        )
        .join(
            Completion,
            and_(
                Completion.registrant_id == invitee.id,
                Completion.course_id == inviter.course_id,
                Completion.cet_year == inviter.cet_year,
            ),
        )
        .where(Invitation.state == PENDING, Completion.state == State.SEEKING_PEER.value)
        .distinct()
        .order_by(Completion.id)
    )
    return list(rows)


async def pair_invitee(
    session: AsyncSession, completion: Completion, now: datetime
) -> Outcome | None:
    """If someone invited this (now waiting) registrant for this course, pair them."""
    found = await find_invitation(session, completion, now)
    if found is None:
        return None
    invitation, inviter = found
    return await accept_pairing(session, invitation, inviter, completion, now)


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
