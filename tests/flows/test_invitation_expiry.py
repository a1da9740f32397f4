"""Invitations that behave (issue 13.6): they expire, the inviter goes back to the queue
at their old place and is told; an invitee who cannot take the course never answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.invitation_expiry import expire_due
from matching.invitation_rules import LIFETIME
from matching.invitations import Target
from peercet.completions.lifecycle import DISCUSSION_WINDOW, State
from peercet.core import keys
from peercet.core.db import transaction
from peercet.core.tables import Course, Invitation, Notification, Registrant
from tests.support import factories as f
from tests.support.context import context
from tests.support.matching_support import World, world

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
Sessions = async_sessionmaker[AsyncSession]


async def _state_of(sessions: Sessions, invitation_id: int) -> str:
    async with sessions() as session:
        return (await session.get_one(Invitation, invitation_id)).state


def _completion_frames(w: World, registrant_id: int) -> list[dict[str, object]]:
    frames = w.published.sent[keys.registrant_channel(registrant_id)]
    return [fr["completion"] for fr in frames if fr["type"] == "completion"]


async def test_an_invitation_expires_after_72_hours_and_the_inviter_keeps_their_place(
    sessions: Sessions, redis_url: str
) -> None:
    course, (inviter, later) = await f.passes(sessions, f.T0, f.T0 + DAY)  # inviter first
    async with world(sessions, redis_url) as w:
        await w.choose(inviter.id)
        invitation_id = await w.invite(inviter.id, Target(email="nobody@example.test"))
        w.clock.at = f.T0 + DAY
        await w.choose(later.id)  # waits alone: the inviter is out of the queue
        assert [cid for cid, _ in await w.queue(course.id)] == [later.id]
        assert await expire_due(sessions, f.T0 + LIFETIME - SECOND, context(), w.effects) == 0
        assert await _state_of(sessions, invitation_id) == "pending"
        w.clock.at = f.T0 + LIFETIME
        assert await expire_due(sessions, w.clock.now(), context(), w.effects) == 1
        assert await _state_of(sessions, invitation_id) == "expired"
        # back and at once paired with the one who waited: they were first in line
        a, b = await w.completion(inviter.id), await w.completion(later.id)
        assert a.state == b.state == State.IN_DISCUSSION and a.discussion_id == b.discussion_id
        told = _completion_frames(w, inviter.registrant_id)
        assert told and told[0]["id"] == inviter.id and told[0]["state"] == "seeking_peer"
        assert await expire_due(sessions, w.clock.now(), context(), w.effects) == 0  # idempotent
    async with sessions() as session:
        kinds = list(
            await session.scalars(
                select(Notification.kind).where(Notification.registrant_id == inviter.registrant_id)
            )
        )
    assert kinds.count("invitation_expired") == 1


async def test_back_in_the_queue_at_the_old_place_ahead_of_later_deadlines(
    sessions: Sessions, redis_url: str
) -> None:
    course, (inviter,) = await f.passes(sessions, f.T0)
    async with world(sessions, redis_url) as w:
        await w.choose(inviter.id)
        await w.invite(inviter.id, Target(goc_number="09-99999"))
        assert await w.queue(course.id) == []
        w.clock.at = f.T0 + LIFETIME
        assert await expire_due(sessions, w.clock.now(), context(), w.effects) == 1
        assert await w.queue(course.id) == [(inviter.id, (f.T0 + DISCUSSION_WINDOW).timestamp())]


async def test_an_invitation_ends_at_the_inviters_deadline_if_sooner(
    sessions: Sessions, redis_url: str
) -> None:
    course, (inviter,) = await f.passes(sessions, f.T0)
    deadline = f.T0 + DISCUSSION_WINDOW
    async with world(sessions, redis_url, at=deadline - DAY) as w:
        await w.choose(inviter.id)
        invitation_id = await w.invite(inviter.id, Target(email="late@example.test"))
        async with sessions() as session:
            invitation = await session.get_one(Invitation, invitation_id)
        assert invitation.expires_at == deadline
        assert await expire_due(sessions, deadline - SECOND, context(), w.effects) == 0
        assert await expire_due(sessions, deadline, context(), w.effects) == 1
        assert await w.queue(course.id) == []  # the fallback's now, not the queue's


async def test_an_expired_invitation_is_not_answered_even_before_the_sweep(
    sessions: Sessions, redis_url: str
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        inviter = await f.passed(session, course)
        invitee = await f.passed(session, course, f.T0 + DAY)
        goc = (await session.get_one(Registrant, invitee.registrant_id)).goc_number
    async with world(sessions, redis_url) as w:
        await w.choose(inviter.id)
        await w.invite(inviter.id, Target(goc_number=goc))
        w.clock.at = f.T0 + LIFETIME
        await w.choose(invitee.id)
        assert (await w.completion(invitee.id)).state == State.SEEKING_PEER
        assert [cid for cid, _ in await w.queue(course.id)] == [invitee.id]


async def test_an_invitee_whose_profession_cannot_take_the_course_never_answers(
    sessions: Sessions, redis_url: str
) -> None:
    """Passed when the course was still theirs; the course is now for optometrists only.
    The invitee waits in the public queue as anyone does; the inviter is not told."""
    async with transaction(sessions) as session:
        course = await f.course(session)
        inviter = await f.passed(session, course)
        optician = await f.registrant(session)
        optician.profession = "dispensing_optician"
        invitee = await f.passed(session, course, f.T0, optician)
        stranger = await f.passed(session, course, f.T0 + DAY)
        goc = optician.goc_number
    async with world(sessions, redis_url) as w:
        await w.choose(inviter.id)
        async with transaction(sessions) as session:
            await session.execute(
                update(Course).where(Course.id == course.id).values(professions=["optometrist"])
            )
        invitation_id = await w.invite(inviter.id, Target(goc_number=goc))
        await w.choose(invitee.id)
        assert (await w.completion(invitee.id)).state == State.SEEKING_PEER
        assert (await w.completion(inviter.id)).state == State.SEEKING_PEER
        assert await _state_of(sessions, invitation_id) == "pending"
        await w.choose(stranger.id)  # their own queue is unaffected
        a, b = await w.completion(invitee.id), await w.completion(stranger.id)
        assert a.discussion_id == b.discussion_id is not None
    async with sessions() as session:
        told = await session.scalar(
            select(Notification.id).where(
                Notification.registrant_id == optician.id, Notification.kind == "invited"
            )
        )
    assert told is None  # no invitation to a course they cannot take


async def test_an_invitee_already_waiting_is_paired_after_the_commit(
    sessions: Sessions, redis_url: str
) -> None:
    """The invitation itself is pending whoever it names; the pairing follows it."""
    async with transaction(sessions) as session:
        course = await f.course(session)
        inviter = await f.passed(session, course)
        invitee = await f.passed(session, course)
        goc = (await session.get_one(Registrant, invitee.registrant_id)).goc_number
    async with world(sessions, redis_url) as w:
        async with transaction(sessions) as session:  # both wait, Redis was away
            for completion in (inviter, invitee):
                await session.execute(
                    update(type(completion))
                    .where(type(completion).id == completion.id)
                    .values(state="seeking_peer", queued_at=f.T0)
                )
        invitation_id = await w.invite(inviter.id, Target(goc_number=goc))
        a, b = await w.completion(inviter.id), await w.completion(invitee.id)
        assert a.discussion_id == b.discussion_id is not None
        assert await _state_of(sessions, invitation_id) == "accepted"
        assert w.matched(inviter.registrant_id) == [a.discussion_id]
