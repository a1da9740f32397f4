"""Pairing against a real Redis and real databases: who is paired, who is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.deadlines import fall_back
from discussion.opening import close_discussions
from matching import pairing
from matching.queue import Entry
from matching.rebuild import rebuild_index, rebuild_queues
from matching.waiting import waiting_view
from peercet.completions.lifecycle import InvalidTransition, Mode, State
from peercet.core.db import transaction
from peercet.core.publish import Aftermath, Delivery
from peercet.core.tables import (
    Completion,
    Discussion,
    DiscussionPrompt,
    Notification,
    OutgoingEmail,
    Participant,
)
from tests.support import factories as f
from tests.support.context import context, links
from tests.support.matching_support import no_sync, seeking_ids, world

DAY = timedelta(days=1)
Sessions = async_sessionmaker[AsyncSession]


async def _course_and(sessions: Sessions, *offsets: timedelta) -> tuple[int, list[int]]:
    """A course and completions passed at T0 + each offset (so deadlines in that order):
    their ids, as World takes them."""
    course, made = await f.passes(sessions, *(f.T0 + o for o in offsets))
    return course.id, [c.id for c in made]


async def test_two_choosing_interactive_are_paired_and_told(
    sessions: Sessions, redis_url: str
) -> None:
    course_id, (a, b) = await _course_and(sessions, timedelta(0), DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(a)
        assert (await w.completion(a)).state == State.SEEKING_PEER
        assert await w.queue(course_id) == [(a, (f.T0 + 14 * DAY).timestamp())]
        await w.choose(b)
        first, second = await w.completion(a), await w.completion(b)
        assert first.state == second.state == State.IN_DISCUSSION
        assert first.discussion_id == second.discussion_id is not None
        assert (
            w.matched(first.registrant_id)
            == w.matched(second.registrant_id)
            == [first.discussion_id]
        )
        assert await w.queue(course_id) == []
    async with sessions() as session:
        prompts = await session.scalar(select(func.count()).select_from(DiscussionPrompt))
        kinds = list(await session.scalars(select(Notification.kind)))
        emails = await session.scalar(select(func.count()).select_from(OutgoingEmail))
    assert prompts == 2 and kinds.count("paired") == 2 and emails == 2


async def test_earliest_deadline_first_when_many_wait(sessions: Sessions, redis_url: str) -> None:
    """Redis was away while four chose (so none was queued); the rebuild pairs 1+2, 3+4
    by deadline, whatever order they chose in."""
    course_id, ids = await _course_and(sessions, 3 * DAY, DAY, 2 * DAY, timedelta(0), 4 * DAY)
    async with world(sessions, redis_url) as w:
        w.effects.queue_sync = no_sync
        for cid in ids:
            await w.choose(cid)
        await rebuild_queues(sessions, w.redis, f.T0, context())
        by_deadline = [ids[3], ids[1], ids[2], ids[0]]
        got = [(await w.completion(c)).discussion_id for c in by_deadline]
        assert got[0] == got[1] is not None and got[2] == got[3] is not None
        assert (await w.completion(ids[4])).state == State.SEEKING_PEER
        assert await w.queue(course_id) == [(ids[4], (f.T0 + 18 * DAY).timestamp())]


async def test_never_paired_with_oneself(sessions: Sessions, redis_url: str) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        mine = await f.passed(session, course)
        me = mine.registrant_id
    async with world(sessions, redis_url) as w:
        await w.choose(mine.id)
        await w.matcher.queues.add([Entry(course.id, 999_999, me, f.T0 + DAY)])  # a stray twin
        assert await w.matcher.pair_course(course.id) == Aftermath()
        assert (await w.completion(mine.id)).state == State.SEEKING_PEER


async def test_a_lost_peer_is_requeued_keeping_the_deadline_and_told(
    sessions: Sessions, redis_url: str
) -> None:
    course_id, (early, late, third) = await _course_and(sessions, timedelta(0), 5 * DAY, 6 * DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(late)
        await w.choose(early)
        async with transaction(sessions) as session:  # the early one's deadline passes
            _, aftermath = await fall_back(session, [early], f.T0 + 14 * DAY, context())
        w.clock.at = f.T0 + 14 * DAY
        await w.effects(aftermath)
        back = await w.completion(late)
        assert back.state == State.SEEKING_PEER and back.discussion_id is None
        assert await w.queue(course_id) == [(late, back.deadline.timestamp())]
        async with sessions() as session:
            kinds = list(
                await session.scalars(
                    select(Notification.kind).where(Notification.completion_id == late)
                )
            )
        assert "requeued" in kinds
        frames = w.published.sent[f"peercet:registrant:{back.registrant_id}"]
        assert frames[-1]["completion"]["state"] == "seeking_peer"
        await w.choose(third)  # the next to come is paired with them
        assert (await w.completion(third)).discussion_id == (await w.completion(late)).discussion_id


async def test_withdrawing_while_waiting_is_final(sessions: Sessions, redis_url: str) -> None:
    course_id, (a, b) = await _course_and(sessions, timedelta(0), DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(a)
        await w.choose(a, Mode.NON_INTERACTIVE)
        assert await w.queue(course_id) == []
        await w.choose(b)
        assert (await w.completion(b)).state == State.SEEKING_PEER
        assert (await w.completion(a)).state == State.COMPLETED_NON_INTERACTIVE
        with pytest.raises(InvalidTransition):
            await w.choose(a)
        assert await w.queue(course_id) == [(b, (f.T0 + 15 * DAY).timestamp())]


async def test_a_flushed_redis_is_rebuilt_with_nobody_lost(
    sessions: Sessions, redis_url: str
) -> None:
    async with transaction(sessions) as session:
        courses = [await f.course(session) for _ in range(3)]
        ids = [(await f.passed(session, c, f.T0 + i * DAY)).id for i, c in enumerate(courses)]
    async with world(sessions, redis_url) as w:
        for cid in ids:
            await w.choose(cid)
        before = {c.id: await w.queue(c.id) for c in courses}
        await w.redis.flushall()
        rebuilt = await rebuild_index(sessions, w.redis, f.T0, f.LONDON)
        assert rebuilt.entries == 3
        assert {c.id: await w.queue(c.id) for c in courses} == before
        await w.redis.zadd(f"peercet:queue:{courses[0].id}", {"424242:1": 1e12})  # stale
        rebuilt = await rebuild_index(sessions, w.redis, f.T0, f.LONDON)
        assert rebuilt.pruned == 1 and await w.queue(courses[0].id) == before[courses[0].id]


async def test_rebuild_remembers_who_met(sessions: Sessions, redis_url: str) -> None:
    _, (a, b, c) = await _course_and(sessions, timedelta(0), DAY, 2 * DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(a)
        await w.choose(b)
        discussion = (await w.completion(a)).discussion_id
        await w.redis.flushall()
        async with transaction(sessions) as session:
            await close_discussions(session, [discussion or 0], "repair", f.T0, links())
        w.effects.queue_sync = no_sync  # Redis is still away
        await w.choose(c)
        await rebuild_queues(sessions, w.redis, f.T0, context())
        pairs = {(await w.completion(x)).discussion_id for x in (a, b, c)}
        assert (await w.completion(a)).discussion_id == (await w.completion(c)).discussion_id
        assert (await w.completion(b)).state == State.SEEKING_PEER
        assert len(pairs) == 2


async def test_a_failed_database_write_puts_both_back(
    sessions: Sessions, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    course_id, (a, b) = await _course_and(sessions, timedelta(0), DAY)

    async def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is away"))

    async with world(sessions, redis_url) as w:
        await w.choose(a)
        monkeypatch.setattr(pairing, "open_discussion", broken)
        await w.choose(b)
        assert [cid for cid, _ in await w.queue(course_id)] == [a, b]
        assert await w.redis.scard(f"peercet:met:{course_id}:2026") == 0
        monkeypatch.undo()
        await w.matcher.pair_course(course_id)
        assert (await w.completion(a)).discussion_id == (await w.completion(b)).discussion_id
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Discussion)) == 1


async def test_a_stale_member_is_dropped_and_the_other_keeps_waiting(
    sessions: Sessions, redis_url: str
) -> None:
    course_id, (a, b) = await _course_and(sessions, timedelta(0), DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(a)
        async with transaction(sessions) as session:
            gone = await session.get_one(Completion, b)
            await w.matcher.queues.add([Entry(course_id, b, gone.registrant_id, gone.deadline)])
        assert await w.matcher.pair_course(course_id) == Aftermath()
        assert await w.queue(course_id) == [(a, (f.T0 + 14 * DAY).timestamp())]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0


async def test_redis_flushed_then_app_start_rebuilds(sessions: Sessions, redis_url: str) -> None:
    course_id, (a,) = await _course_and(sessions, timedelta(0))
    async with world(sessions, redis_url) as w:
        await w.choose(a)
        await w.redis.flushall()
        assert await seeking_ids(sessions, course_id) == {a}
        await rebuild_queues(sessions, w.redis, f.T0, context())
        assert [cid for cid, _ in await w.queue(course_id)] == [a]


async def test_nobody_is_paired_with_someone_past_their_deadline(
    sessions: Sessions, redis_url: str
) -> None:
    course_id, (a, b) = await _course_and(sessions, timedelta(0), 5 * DAY)
    async with world(sessions, redis_url) as w:
        await w.choose(a)
        w.clock.at = f.T0 + 14 * DAY  # a's deadline: its fallback job has not run yet
        await w.choose(b)
        assert (await w.completion(b)).state == State.SEEKING_PEER
        assert [cid for cid, _ in await w.queue(course_id)] == [b]


async def test_the_waiting_view_counts_others_and_those_ahead(
    sessions: Sessions, redis_url: str
) -> None:
    _, (a, b, c) = await _course_and(sessions, timedelta(0), DAY, 2 * DAY)
    async with world(sessions, redis_url) as w:
        w.effects.queue_sync = no_sync
        for cid in (a, b, c):
            await w.choose(cid)
        async with sessions() as session:
            view = await waiting_view(session, await session.get_one(Completion, b), f.T0)
    assert (view["waiting"], view["others_waiting"], view["ahead"]) == (True, 2, 1)
    assert view["deadline"] == (f.T0 + 15 * DAY).isoformat()


async def test_a_database_error_after_commit_never_fails_the_edge(
    sessions: Sessions, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("database is away"))

    async with world(sessions, redis_url) as w:
        monkeypatch.setattr(w.matcher, "_load", broken)
        delivery = Delivery({"type": "completion"}, registrant_id=7)
        await w.effects(Aftermath(deliveries=[delivery], dequeue=[1]))  # logged, not raised
        assert w.published.sent["peercet:registrant:7"] == [{"type": "completion"}]
