"""Inviting a named colleague instead of waiting for a stranger (rule 3, issue 5.6).

While an invitation stands the inviter is out of the public queue. The invitee is
paired with the inviter ahead of the queue as soon as both are waiting for the same
course: at once if the invitee already waits, or when they later choose interactive
within the inviter's deadline. The database decides, as for every pairing:
`open_discussion` moves both only if both are still seeking a peer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from peercet.accounts import EMAIL, GOC_NUMBER
from peercet.errors import BadInput, Conflict, NotFound
from peercet.events import Outcome
from peercet.lifecycle import State
from peercet.notify import Notice, notify, scheme_time, send_email, session_tz
from peercet.rooms import open_discussion
from peercet.tables import Completion, Course, Invitation, Registrant

PENDING = "pending"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
ENDED = "ended"  # the inviter was paired or left some other way


@dataclass(frozen=True)
class Target:
    email: str | None = None
    goc_number: str | None = None


def parse_target(data: dict[str, Any]) -> Target:
    """Exactly one of {email} or {goc_number}, loosely validated."""
    email, goc = data.get("email"), data.get("goc_number")
    if (email is None) == (goc is None):
        raise BadInput("give either email or goc_number", "bad_input")
    if email is not None:
        if not isinstance(email, str) or not EMAIL.match(email.strip()):
            raise BadInput("email is not an email address", "bad_input")
        return Target(email=email.strip().lower())
    if not isinstance(goc, str) or not GOC_NUMBER.match(goc.strip()):
        raise BadInput("goc_number looks like 01-12345", "bad_input")
    return Target(goc_number=goc.strip())


def invitation_frame(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "completion_id": invitation.completion_id,
        "email": invitation.invitee_email,
        "goc_number": invitation.invitee_goc_number,
        "invitee_id": invitation.invitee_id,
        "state": invitation.state,
        "created_at": invitation.created_at.isoformat(),
    }


def _is_self(inviter: Registrant, target: Target, invitee: Registrant | None) -> bool:
    if invitee is not None and invitee.id == inviter.id:
        return True
    return target.email is not None and target.email == inviter.email.lower()


async def _find_invitee(session: AsyncSession, target: Target) -> Registrant | None:
    if target.email is not None:
        where = func.lower(Registrant.email) == target.email
    else:
        where = Registrant.goc_number == target.goc_number
    return await session.scalar(select(Registrant).where(where).order_by(Registrant.id).limit(1))


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
    """Create the invitation; pair at once if the invitee already waits for this course."""
    invitee = await _find_invitee(session, target)
    if _is_self(inviter, target, invitee):
        raise BadInput("you cannot invite yourself", "self_invitation")
    waiting = None if invitee is None else await _hold_invitee(session, invitee.id, completion)
    await _hold_seeking(session, completion)
    invitation = Invitation(
        completion_id=completion.id,
        invitee_email=target.email,
        invitee_goc_number=target.goc_number,
        invitee_id=invitee.id if invitee else None,
        state=PENDING,
        created_at=now,
    )
    session.add(invitation)
    await session.flush()
    outcome = Outcome(dequeue=[completion.id])
    course = await session.get_one(Course, completion.course_id)
    if invitee is None:
        _email_stranger(session, inviter, invitation, course, completion, now)
        return invitation, outcome
    if waiting is not None and waiting.state == State.SEEKING_PEER.value:
        outcome.extend(await _accept(session, invitation, completion, waiting, now))
        outcome.dequeue.append(waiting.id)
    else:
        await _tell_invitee(session, inviter, invitee, invitation, course, completion, now)
    return invitation, outcome


async def _hold_invitee(
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


async def _accept(
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


def _invite_notice(
    inviter: Registrant,
    invitation: Invitation,
    course: Course,
    completion: Completion,
    tz: ZoneInfo,
) -> Notice:
    return Notice(
        kind="invited",
        subject=f"{inviter.name} invites you to discuss {course.ref}",
        body=f"{inviter.name} invites you to an interactive CET discussion of {course.ref} "
        f"{course.title}. Pass the course and choose the interactive discussion before "
        f"{scheme_time(completion.deadline, tz)} to be paired with them.",
        link=f"/courses/{course.ref}",
        dedupe_key=f"invited:{invitation.id}",
    )


def _email_stranger(
    session: AsyncSession,
    inviter: Registrant,
    invitation: Invitation,
    course: Course,
    completion: Completion,
    now: datetime,
) -> None:
    """Someone without an account (by email) is asked to join; by GOC number we cannot
    reach them, and the invitation simply waits for them to register and pass."""
    if invitation.invitee_email is None:
        return
    notice = _invite_notice(inviter, invitation, course, completion, session_tz(session))
    body = notice.body + " First create your Peercet account with this email address."
    joining = Notice(notice.kind, notice.subject, body, "/register", notice.dedupe_key)
    send_email(session, invitation.invitee_email, "colleague", joining, now)


async def _tell_invitee(
    session: AsyncSession,
    inviter: Registrant,
    invitee: Registrant,
    invitation: Invitation,
    course: Course,
    completion: Completion,
    now: datetime,
) -> None:
    notice = _invite_notice(inviter, invitation, course, completion, session_tz(session))
    await notify(session, invitee, notice, now)


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


def _answers(inviter: Completion, completion: Completion, now: datetime) -> bool:
    return (
        inviter.course_id == completion.course_id
        and inviter.cet_year == completion.cet_year
        and inviter.state == State.SEEKING_PEER.value
        and inviter.deadline > now
        and inviter.registrant_id != completion.registrant_id
    )


async def find_invitation(
    session: AsyncSession, completion: Completion, now: datetime
) -> tuple[Invitation, Completion] | None:
    """The standing invitation (and the inviter's completion) this waiting
    completion answers: same course and year, inviter still waiting, earliest first.
    Driven from the (few) standing invitations, never from the waiting completions."""
    registrant = await session.get_one(Registrant, completion.registrant_id)
    standing = list(
        await session.scalars(
            select(Invitation).where(
                Invitation.state == PENDING,
                or_(
                    Invitation.invitee_id == registrant.id,
                    Invitation.invitee_email == registrant.email.lower(),
                    Invitation.invitee_goc_number == registrant.goc_number,
                ),
            )
        )
    )
    if not standing:
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
        if _answers(inviters[i.completion_id], completion, now)
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
    return await _accept(session, invitation, inviter, completion, now)
