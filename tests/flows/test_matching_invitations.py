"""Inviting a colleague: the two named registrants are paired, and nobody else."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.invitations import Target, cancel
from matching.noshow import NO_SHOW_PERIOD, run_no_shows
from matching.rebuild import rebuild_queues
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.errors import BadInput, Conflict
from peercet.core.tables import (
    Completion,
    Discussion,
    Invitation,
    Message,
    OutgoingEmail,
    Registrant,
)
from tests.support import factories as f
from tests.support.context import context, links
from tests.support.matching_support import no_sync, world

DAY = timedelta(days=1)
LOCK_WAITS = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
)
Sessions = async_sessionmaker[AsyncSession]


async def test_an_invitation_pairs_the_two_named_and_nobody_else(
    sessions: Sessions, redis_url: str
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        inviter = await f.passed(session, course, f.T0 + DAY)
        stranger = await f.passed(session, course)  # earlier deadline: would be first in line
        colleague = await f.registrant(session)
        colleague_email = colleague.email
    async with world(sessions, redis_url) as w:
        await w.choose(inviter.id)
        await w.invite(inviter.id, Target(email=colleague_email.upper().lower()))
        assert await w.queue(course.id) == []  # out of the public queue
        await w.choose(stranger.id)
        assert (await w.completion(stranger.id)).state == State.SEEKING_PEER
        async with transaction(sessions) as session:  # the colleague passes later
            later = await f.passed(
                session, course, f.T0 + 2 * DAY, await session.get_one(Registrant, colleague.id)
            )
        w.clock.at = f.T0 + 2 * DAY
        await w.choose(later.id)
        mine, theirs = await w.completion(inviter.id), await w.completion(later.id)
        assert mine.discussion_id == theirs.discussion_id is not None
        assert (await w.completion(stranger.id)).state == State.SEEKING_PEER
        assert [cid for cid, _ in await w.queue(course.id)] == [stranger.id]
        assert w.matched(colleague.id) == [mine.discussion_id]
    async with sessions() as session:
        states = list(await session.scalars(select(Invitation.state)))
    assert states == ["accepted"]


async def test_an_invitee_already_waiting_is_paired_at_once(
    sessions: Sessions, redis_url: str
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        inviter = await f.passed(session, course)
        invitee = await f.passed(session, course)
        goc = (await session.get_one(Registrant, invitee.registrant_id)).goc_number
    async with world(sessions, redis_url) as w:
        w.effects.queue_sync = w.matcher  # both already in (one queue, two inviting) ...
        await w.choose(inviter.id)
        # ... a third party takes nobody: the invitee is taken out of the queue below
        await w.matcher.queues.remove(await w.matcher._load([inviter.id]))
        async with transaction(sessions) as session:
            await session.execute(
                Completion.__table__.update()
                .where(Completion.id == invitee.id)
                .values(state="seeking_peer", queued_at=f.T0)
            )
        await w.matcher.queues.add(await w.matcher._load([invitee.id]))
        await w.invite(inviter.id, Target(goc_number=goc))
        a, b = await w.completion(inviter.id), await w.completion(invitee.id)
        assert a.state == b.state == State.IN_DISCUSSION and a.discussion_id == b.discussion_id
        assert await w.queue(course.id) == []


async def test_cancelling_goes_back_to_the_queue_keeping_the_deadline(
    sessions: Sessions, redis_url: str
) -> None:
    course, (inviter,) = await f.passes(sessions, f.T0)
    async with world(sessions, redis_url) as w:
        await w.choose(inviter.id)
        invitation_id = await w.invite(inviter.id, Target(email="nobody-yet@example.test"))
        assert await w.queue(course.id) == []
        async with transaction(sessions) as session:
            completion = await session.get_one(Completion, inviter.id)
            aftermath = await cancel(session, completion, invitation_id, f.T0)
        await w.effects(aftermath)
        assert await w.queue(course.id) == [(inviter.id, (f.T0 + 14 * DAY).timestamp())]
        async with transaction(sessions) as session:
            completion = await session.get_one(Completion, inviter.id)
            with pytest.raises(Conflict):
                await cancel(session, completion, invitation_id, f.T0)
    async with sessions() as session:
        email = await session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.to_addr == "nobody-yet@example.test")
        )
    assert email is not None and "create your Peercet account" in email.text_body


async def test_only_from_seeking_peer_and_never_oneself(sessions: Sessions, redis_url: str) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        completion = await f.passed(session, course)
        me = await session.get_one(Registrant, completion.registrant_id)
        my_email = me.email
    async with world(sessions, redis_url) as w:
        with pytest.raises(Conflict):
            await w.invite(completion.id, Target(email="someone@example.test"))
        await w.choose(completion.id)
        with pytest.raises(BadInput):
            await w.invite(completion.id, Target(email=my_email))
        await w.invite(completion.id, Target(email="someone@example.test"))
        with pytest.raises(Conflict):
            await w.invite(completion.id, Target(email="another@example.test"))


async def test_a_no_show_closes_after_48_hours_and_requeues(
    sessions: Sessions, redis_url: str
) -> None:
    course, (a, b) = await f.passes(sessions, f.T0, f.T0 + DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(a.id)
        await w.choose(b.id)
        room = (await w.completion(a.id)).discussion_id
        assert room is not None
        async with transaction(sessions) as session:  # only a turns up
            session.add(Message(discussion_id=room, seq=1, author_id=a.registrant_id,
                                kind="peer", body="Hello?", sent_at=f.T0))  # fmt: skip
        early = await run_no_shows(sessions, f.T0 + NO_SHOW_PERIOD - timedelta(seconds=1), links())
        assert early == 0
        assert await run_no_shows(sessions, f.T0 + NO_SHOW_PERIOD, links(), w.effects) == 1
        assert (await w.completion(a.id)).state == State.SEEKING_PEER  # not handed back
        assert (await w.completion(b.id)).state == State.SEEKING_PEER  # to each other
        assert [cid for cid, _ in await w.queue(course.id)] == [a.id, b.id]
        async with transaction(sessions) as session:
            c = await f.passed(session, course, f.T0 + 2 * DAY)
        await w.choose(c.id)  # the next to come is paired with the earlier deadline
        assert (await w.completion(c.id)).discussion_id == (await w.completion(a.id)).discussion_id
        async with sessions() as session:
            closed = await session.get_one(Discussion, room)
        assert (closed.state, closed.closed_reason) == ("closed", "no_show")


async def _until_done_or_blocked(task: asyncio.Task[object], database_url: str) -> None:
    """Let the task run until it has finished or waits for a row lock (PostgreSQL).
    On SQLite a second writer waits at BEGIN IMMEDIATE: it cannot get ahead at all."""
    if database_url.startswith("sqlite"):
        return
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        async with asyncio.timeout(30):
            while not task.done() and not await conn.fetchval(LOCK_WAITS):
                await asyncio.sleep(0.01)
    finally:
        await conn.close()


async def test_an_invitation_racing_the_invitees_choice_still_pairs_them(
    sessions: Sessions, redis_url: str, database_url: str
) -> None:
    """A invites B while B, in another process, chooses interactive: B's choice cannot
    commit between the invitation's read of B and its commit, so it finds the invitation."""
    async with transaction(sessions) as session:
        course = await f.course(session)
        a, b = await f.passed(session, course), await f.passed(session, course)
        goc = (await session.get_one(Registrant, b.registrant_id)).goc_number
    async with world(sessions, redis_url) as w:
        w.effects.queue_sync = no_sync  # A waits, not in Redis yet: the queue cannot pair them
        await w.choose(a.id)
        w.effects.queue_sync = w.matcher
        async with transaction(sessions) as session:  # web process 1: A invites B ...
            mine = await session.get_one(Completion, a.id)
            _, aftermath = await f.invitation(session, mine, Target(goc_number=goc))
            choice = asyncio.create_task(w.choose(b.id))  # ... web process 2: B chooses
            await _until_done_or_blocked(choice, database_url)
        await w.effects(aftermath)
        await choice
        first, second = await w.completion(a.id), await w.completion(b.id)
        assert first.discussion_id == second.discussion_id is not None
        assert await w.queue(course.id) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite serialises
async def test_two_who_invite_each_other_at_once_are_paired_without_a_deadlock(
    sessions: Sessions, redis_url: str
) -> None:
    for _ in range(5):  # each round a new pair, both inviting at the same instant
        async with transaction(sessions) as session:
            course = await f.course(session)
            a, b = await f.passed(session, course), await f.passed(session, course)
            numbers = [(await session.get_one(Registrant, c.registrant_id)).goc_number
                       for c in (a, b)]  # fmt: skip
        async with world(sessions, redis_url) as w:
            w.effects.queue_sync = no_sync  # not in Redis: only the invitations can pair them
            await w.choose(a.id)
            await w.choose(b.id)
            w.effects.queue_sync = w.matcher
            results = await asyncio.gather(
                w.invite(a.id, Target(goc_number=numbers[1])),
                w.invite(b.id, Target(goc_number=numbers[0])),
                return_exceptions=True,
            )
            refused = [r for r in results if isinstance(r, BaseException)]
            assert all(isinstance(r, Conflict) for r in refused), refused  # never a deadlock
            first, second = await w.completion(a.id), await w.completion(b.id)
            assert first.discussion_id == second.discussion_id is not None


async def test_the_rebuild_pairs_an_invitee_whose_choice_missed_the_invitation(
    sessions: Sessions, redis_url: str
) -> None:
    """The invitee's choice committed but its after-commit step was lost: the periodic
    rebuild pairs them with their inviter, ahead of the public queue."""
    async with transaction(sessions) as session:
        course = await f.course(session)
        stranger = await f.passed(session, course)  # earliest deadline: first in line
        a, b = (
            await f.passed(session, course, f.T0 + DAY),
            await f.passed(session, course, f.T0 + DAY),
        )
        goc = (await session.get_one(Registrant, b.registrant_id)).goc_number
    async with world(sessions, redis_url, at=f.T0 + DAY) as w:
        await w.choose(a.id)
        await w.invite(a.id, Target(goc_number=goc))
        await w.choose(stranger.id)
        w.effects.queue_sync = no_sync
        await w.choose(b.id)
        await rebuild_queues(sessions, w.redis, f.T0 + DAY, context())
        first, second = await w.completion(a.id), await w.completion(b.id)
        assert first.discussion_id == second.discussion_id is not None
        assert [cid for cid, _ in await w.queue(course.id)] == [stranger.id]


@pytest.mark.parametrize("at_once", [True, False], ids=["invitee-waiting", "invitee-later"])
async def test_a_pair_made_by_invitation_is_not_made_again_after_a_no_show(
    sessions: Sessions, redis_url: str, at_once: bool
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        a, b = await f.passed(session, course), await f.passed(session, course, f.T0 + DAY)
        goc = (await session.get_one(Registrant, b.registrant_id)).goc_number
    async with world(sessions, redis_url, at=f.T0 + DAY) as w:
        await w.choose(a.id)
        if at_once:  # B waits too, not yet paired (Redis was away when B chose)
            w.effects.queue_sync = no_sync
            await w.choose(b.id)
            w.effects.queue_sync = w.matcher
        await w.invite(a.id, Target(goc_number=goc))
        if not at_once:
            await w.choose(b.id)
        room = (await w.completion(a.id)).discussion_id
        assert room is not None and (await w.completion(b.id)).discussion_id == room
        w.clock.at = f.T0 + DAY + NO_SHOW_PERIOD  # nobody wrote
        assert await run_no_shows(sessions, w.clock.now(), links(), w.effects) == 1
        assert [cid for cid, _ in await w.queue(course.id)] == [a.id, b.id]  # not re-paired
        async with transaction(sessions) as session:
            c = await f.passed(session, course, f.T0 + 2 * DAY)
        await w.choose(c.id)
        assert (await w.completion(c.id)).discussion_id == (await w.completion(a.id)).discussion_id
        assert (await w.completion(b.id)).state == State.SEEKING_PEER
