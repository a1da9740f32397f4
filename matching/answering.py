"""The invitee's side (issue 13.6): the invitations that name me, and accepting one.

Accepting is also what choosing the interactive discussion of the course does
(`invitees.pair_invitee`); this is the explicit way, from the invitation itself:
- only the registrant it names sees or accepts it (anyone else: 404, it is not theirs);
- a registrant whose profession cannot take the course cannot accept: 403
  `not_for_profession`, as when they try to take the course; their own queue is
  unaffected;
- it must still stand and not have expired (409 `invitation_ended`), and the inviter
  must still be waiting (409 `inviter_left`);
- the invitee must have passed the course (409 `not_passed`: pass the exam first); a
  completion awaiting the choice chooses the interactive discussion; one seeking a
  peer is taken out of the public queue; any other state is 409 `not_seeking_peer`.
Both completions are locked in id order, as when inviting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.invitations import PENDING, hold_invitee
from matching.invitees import accept_pairing, naming
from matching.views import InvitationToMe
from peercet.catalogue.loading import may_take
from peercet.completions import lifecycle
from peercet.completions.actions import choose
from peercet.completions.lifecycle import Event, Mode, State
from peercet.core.context import Context
from peercet.core.errors import Conflict, Forbidden, NotFound
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, Invitation, Registrant


async def standing_for(
    session: AsyncSession, registrant: Registrant, now: datetime
) -> list[InvitationToMe]:
    """The standing invitations that name this registrant, soonest to expire first."""
    rows = await session.execute(
        select(Invitation, Completion, Course, Registrant)
        .join(Completion, Completion.id == Invitation.completion_id)
        .join(Course, Course.id == Completion.course_id)
        .join(Registrant, Registrant.id == Completion.registrant_id)
        .where(Invitation.state == PENDING, naming(registrant))
        .order_by(Invitation.expires_at, Invitation.id)
    )
    return [
        {
            "id": invitation.id,
            "course_ref": course.ref,
            "course_title": course.title,
            "inviter_name": inviter.name,
            "expires_at": invitation.expires_at.isoformat(),
            "may_accept": may_take(registrant.profession, course.professions),
        }
        for invitation, _, course, inviter in rows
        if invitation.expires_at > now
    ]


async def _theirs(session: AsyncSession, registrant: Registrant, invitation_id: int) -> Invitation:
    invitation = await session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, naming(registrant))
    )
    if invitation is None:
        raise NotFound("no such invitation")
    return invitation


async def accept(
    session: AsyncSession, registrant: Registrant, invitation_id: int, now: datetime, ctx: Context
) -> tuple[Invitation, Completion, Aftermath]:
    """Pair the invitee with the inviter, now; returns the invitee's completion too."""
    invitation = await _theirs(session, registrant, invitation_id)
    inviter = await session.get_one(Completion, invitation.completion_id)
    course = await session.get_one(Course, inviter.course_id)
    if not may_take(registrant.profession, course.professions):
        raise Forbidden("this course is not for your profession", "not_for_profession")
    mine = await hold_invitee(session, registrant.id, inviter)
    await session.refresh(invitation)
    if invitation.state != PENDING or invitation.expires_at <= now:
        raise Conflict("this invitation no longer stands", "invitation_ended")
    if not lifecycle.allowed(State(inviter.state), Event.PAIRED, inviter.deadline, now):
        raise Conflict("your colleague is no longer waiting for a peer", "inviter_left")
    if mine is None:
        raise Conflict(f"pass the exam of {course.ref} first", "not_passed")
    aftermath = Aftermath()
    if mine.state == State.AWAITING_CHOICE.value:
        aftermath.extend(await choose(session, mine, course, Mode.INTERACTIVE, now, ctx))
    if mine.state != State.SEEKING_PEER.value:
        raise Conflict("this completion is not waiting for a peer", "not_seeking_peer")
    aftermath.dequeue.append(mine.id)
    aftermath.extend(await accept_pairing(session, invitation, inviter, mine, now, ctx))
    return invitation, mine, aftermath
