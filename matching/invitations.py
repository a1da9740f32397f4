"""Inviting a named colleague instead of waiting for a stranger (rule 3, issues 5.6, 13.6).

The rules themselves (expiry, the daily limit, who is oneself) are in
`invitation_rules`; what people are told, in `invitation_notices`; pairing an invitee
with the invitation that names them, in `invitees`; expiry, in `invitation_expiry`.
While an invitation stands the inviter is out of the public queue. The invitee is
paired with the inviter ahead of the queue as soon as both are waiting for the same
course: at once if the invitee already waits, or when they later choose interactive
within the inviter's deadline. The database decides, as for every pairing:
`open_discussion` moves both only if both are still seeking a peer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from matching import invitation_rules as rules
from matching.invitation_notices import email_stranger, tell_invitee
from matching.invitation_rules import Target, parse_target
from matching.views import InvitationView
from peercet.catalogue.loading import may_take
from peercet.completions.lifecycle import State
from peercet.completions.moves import hold
from peercet.completions.own import own_completion
from peercet.core.context import Context
from peercet.core.errors import BadInput, Conflict, NotFound, RateLimited
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, Invitation, Registrant

__all__ = [
    "Invited", "Target", "cancel", "cancel_from", "invitation_frame", "invite", "invite_from",
    "parse_target",
]  # fmt: skip

PENDING = "pending"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
EXPIRED = "expired"  # 72 hours, or the inviter's deadline, passed unanswered
ENDED = "ended"  # the inviter was paired or left some other way


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
    if not await hold(session, completion.id, State.SEEKING_PEER):
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
    ctx: Context,
) -> tuple[Invitation, Aftermath]:
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
    invitation = await _pending(session, completion, target, invitee, now)
    aftermath = Aftermath(dequeue=[completion.id])
    course = await session.get_one(Course, completion.course_id)
    if invitee is None:
        email_stranger(session, inviter, invitation, course, now, ctx)
    elif not may_take(invitee.profession, course.professions):
        pass  # they cannot take the course: nobody is told, least of all the inviter
    elif waiting is not None and waiting.state == State.SEEKING_PEER.value:
        aftermath.dequeue.append(waiting.id)  # out of the public queue, then to the inviter
        aftermath.requeue.append(waiting.id)
    else:
        await tell_invitee(session, inviter, invitee, invitation, course, now, ctx)
    return invitation, aftermath


async def _pending(
    session: AsyncSession, completion: Completion, target: Target, invitee: Registrant | None,
    now: datetime,
) -> Invitation:  # fmt: skip
    """The pending invitation, stored (flushed: it has its id)."""
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
    return invitation


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


async def cancel(
    session: AsyncSession, completion: Completion, invitation_id: int, now: datetime
) -> Aftermath:
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
    return Aftermath(requeue=[completion.id])


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    aftermath: Aftermath  # out of the queue, the invitee paired or told, after the commit


async def invite_from(
    session: AsyncSession, inviter: Registrant, completion_id: int, target: Target, now: datetime,
    ctx: Context,
) -> Invited:  # fmt: skip
    """`invite` from the inviter's own completion: anyone else's is "not found", as
    everywhere (its existence is not told)."""
    completion, _ = await own_completion(session, inviter.id, completion_id)
    return Invited(*await invite(session, inviter, completion, target, now, ctx))


async def cancel_from(
    session: AsyncSession, inviter: Registrant, completion_id: int, invitation_id: int,
    now: datetime,
) -> Aftermath:  # fmt: skip
    """`cancel` from the inviter's own completion."""
    completion, _ = await own_completion(session, inviter.id, completion_id)
    return await cancel(session, completion, invitation_id, now)
