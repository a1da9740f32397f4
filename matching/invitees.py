"""Pairing an invitee with the invitation that names them (rule 3, issue 13.6).

An invitee is paired with the inviter ahead of the queue as soon as both wait for
the same course and CET year: the invitation is found from the (few) standing ones,
never from the waiting completions, and `open_discussion` decides, as for every
pairing. Accepting explicitly is `answering.accept`; choosing interactive finds the
invitation through `pair_invitee` (the `Matcher`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement

from discussion.opening import open_discussion
from matching.invitations import ACCEPTED, ENDED, PENDING
from peercet.catalogue.loading import may_take
from peercet.completions import lifecycle
from peercet.completions.lifecycle import Event, State
from peercet.core.context import Context
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, Invitation, Registrant


async def accept_pairing(
    session: AsyncSession,
    invitation: Invitation,
    inviter: Completion,
    invitee: Completion,
    now: datetime,
    ctx: Context,
) -> Aftermath:
    _, aftermath = await open_discussion(session, [inviter, invitee], now, ctx)
    invitation.state = ACCEPTED
    invitation.invitee_id = invitee.registrant_id
    invitation.ended_at = now
    await end_pending(session, [invitee.id], now)
    return aftermath


async def end_pending(session: AsyncSession, completion_ids: list[int], now: datetime) -> None:
    """Invitations made by completions that have just been paired no longer stand."""
    await session.execute(
        update(Invitation)
        .where(Invitation.completion_id.in_(completion_ids), Invitation.state == PENDING)
        .values(state=ENDED, ended_at=now)
    )


def _answers(
    invitation: Invitation, inviter: Completion, completion: Completion, now: datetime
) -> bool:
    return (
        invitation.expires_at > now  # past it, the expiry sweep is about to end it
        and inviter.course_id == completion.course_id
        and inviter.cet_year == completion.cet_year
        and lifecycle.allowed(State(inviter.state), Event.PAIRED, inviter.deadline, now)
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
    session: AsyncSession, completion: Completion, now: datetime, ctx: Context
) -> Aftermath | None:
    """If someone invited this (now waiting) registrant for this course, pair them."""
    found = await find_invitation(session, completion, now)
    if found is None:
        return None
    invitation, inviter = found
    return await accept_pairing(session, invitation, inviter, completion, now, ctx)
