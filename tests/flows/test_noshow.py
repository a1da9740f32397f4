"""No-shows (rule 7): 48 hours after pairing, a participant who has not taken part (written
on every prompt) is a no-show; the discussion closes and whoever is within their deadline
goes back to the queue at their place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import reads
from discussion.actions import Post, store_messages
from matching.noshow import NO_SHOW_PERIOD, no_show_ids, no_shows, run_no_shows
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.tables import Discussion, Notification
from tests.support import factories as f
from tests.support.context import links
from tests.support.factories import paired
from tests.support.matching_support import world

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
A, B = 1, 2


@pytest.mark.parametrize(
    ("after", "took", "expected"),
    [
        (NO_SHOW_PERIOD - SECOND, {A: False, B: False}, set()),  # too early for anyone
        (NO_SHOW_PERIOD, {A: False, B: False}, {A, B}),  # both not taken part: both
        (NO_SHOW_PERIOD, {A: True, B: False}, {B}),  # wrote once and vanished: B
        (NO_SHOW_PERIOD, {A: False, B: True}, {A}),
        (NO_SHOW_PERIOD, {A: True, B: True}, set()),  # both took part: never a no-show
        (10 * DAY, {A: True, B: True}, set()),
        (10 * DAY, {A: True, B: False}, {B}),
    ],
)
def test_the_no_show_rule(after: timedelta, took: dict[int, bool], expected: set[int]) -> None:
    assert no_shows(f.T0, f.T0 + after, took) == expected


# What each participant writes: a prompt's index, None for a message on no prompt.
SCENARIOS = {
    "nobody wrote": ([], [], 2),
    "one wrote once, the other took part": ([None], [0, 1], 2),
    "one wrote on one prompt of two": ([0], [0, 1], 2),
    "one wrote on every prompt, the other on none": ([0, 1], [None, None], 2),
    "both took part": ([0, 1, None], [1, 0], 2),
    "no prompts, one wrote": ([None], [], 0),
    "no prompts, both wrote": ([None], [None], 0),
}


TOOK_PART = {"both took part", "no prompts, both wrote"}


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("after", [NO_SHOW_PERIOD - SECOND, NO_SHOW_PERIOD])
async def test_the_database_finds_exactly_the_rule_s_no_shows(
    sessions: Sessions, name: str, after: timedelta
) -> None:
    """`no_show_ids` (SQL) agrees with `no_shows` (pure) on `took_part` as the
    discussion reads it."""
    by_a, by_b, prompts = SCENARIOS[name]
    p = await paired(sessions, prompts=prompts)
    posts = [
        Post(p.discussion, who, f"{who}-{i}", "Hello", None if q is None else p.prompts[q])
        for who, written in ((p.a, by_a), (p.b, by_b))
        for i, q in enumerate(written)
    ]
    async with transaction(sessions) as session:
        await store_messages(session, posts, f.T0 + DAY)
    now = f.T0 + after
    async with sessions() as session:
        took = await reads.taking_part(session, p.discussion)
        found = await no_show_ids(session, now)
    assert bool(no_shows(f.T0, now, took)) == (found == [p.discussion])
    closes = after >= NO_SHOW_PERIOD and name not in TOOK_PART
    assert found == ([p.discussion] if closes else [])


async def test_a_peer_who_wrote_once_is_a_no_show_and_the_other_is_paired_first(
    sessions: Sessions, redis_url: str
) -> None:
    """A takes part, B writes one message and vanishes: at 48 hours the discussion closes;
    both go back to the queue at their places, so A (the earliest deadline) is paired with
    C, who waited with a later deadline, and B waits (the two never meet again)."""
    async with transaction(sessions) as session:
        course = await f.course(session)
        a, b = await f.passed(session, course), await f.passed(session, course, f.T0 + DAY)
        c = await f.passed(session, course, f.T0 + 2 * DAY)
    async with world(sessions, redis_url, at=f.T0 + 2 * DAY) as w:
        await w.choose(a.id)
        await w.choose(b.id)
        room = (await w.completion(a.id)).discussion_id
        assert room is not None and (await w.completion(b.id)).discussion_id == room
        await w.choose(c.id)  # waits: nobody else is free
        async with sessions() as session:
            prompts = sorted((await reads.authorise(session, reads.Who(a.registrant_id, ""),
                                                    room)).prompt_ids)  # fmt: skip
        posts = [Post(room, a.registrant_id, f"a{q}", "My view", q) for q in prompts]
        posts.append(Post(room, b.registrant_id, "b0", "Hi, back soon"))
        async with transaction(sessions) as session:
            await store_messages(session, posts, f.T0 + 2 * DAY)
        paired = f.T0 + 2 * DAY
        assert (
            await run_no_shows(sessions, paired + NO_SHOW_PERIOD - SECOND, links(), w.effects) == 0
        )
        w.clock.at = paired + NO_SHOW_PERIOD  # the re-pairing's clock
        assert await run_no_shows(sessions, paired + NO_SHOW_PERIOD, links(), w.effects) == 1
        assert (
            await run_no_shows(sessions, paired + NO_SHOW_PERIOD, links(), w.effects) == 0
        )  # idempotent
        async with sessions() as session:
            closed = await session.get_one(Discussion, room)
        assert (closed.state, closed.closed_reason) == ("closed", "no_show")
        first, second, third = [await w.completion(x.id) for x in (a, b, c)]
        assert first.state == third.state == State.IN_DISCUSSION
        assert first.discussion_id == third.discussion_id != room
        assert second.state == State.SEEKING_PEER
        assert [cid for cid, _ in await w.queue(course.id)] == [b.id]
    async with sessions() as session:
        told = await session.scalar(select(Notification.body).where(
            Notification.completion_id == b.id, Notification.kind == "requeued"))  # fmt: skip
    assert told is not None and "no-show" in told
