"""Disputes against real databases (DOMAIN.md rules 3, 6, 7): "my peer did not take
part", a moderator's decision, and a deadline, a void or a race reaching a disputed room."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import moderation
from discussion.actions import Post, store_messages, validate
from discussion.deadlines import apply_due
from matching.noshow import run_no_shows
from matching.pairing import matching_effects
from matching.queue import Entry, Queues
from peercet.completions.lifecycle import State, cet_year
from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.errors import BadInput, Conflict, Forbidden
from peercet.core.publish import Aftermath, Paired
from peercet.core.tables import (
    AuditEntry,
    Completion,
    Course,
    Discussion,
    Dispute,
    Notification,
    OutgoingEmail,
    PointRecord,
    Registrant,
)
from tests.flows.test_discussion_actions import LATER, points, run_validate, states, take_part
from tests.support import factories as f
from tests.support.context import context, links
from tests.support.factories import Pair, paired, someone

LONDON = ZoneInfo("Europe/London")
DEADLINE = f.T0 + timedelta(days=14)  # both of the pair passed at T0


async def disputed(sessions: async_sessionmaker[AsyncSession]) -> tuple[Pair, Aftermath]:
    """A and B both took part; A says B did not (B is the other)."""
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    return p, await run_validate(sessions, p, p.a, took=False)


async def decide(
    sessions: async_sessionmaker[AsyncSession], p: Pair, mod: int, award: object,
    reason: object = "Read the transcript", at: datetime = LATER,
) -> Aftermath:  # fmt: skip
    async with sessions() as session, session.begin():
        moderator = await session.get_one(Registrant, mod)
        return await moderation.decide(
            session, moderator, p.discussion, award, reason, at, context()
        )


async def discussion(sessions: async_sessionmaker[AsyncSession], p: Pair) -> tuple[str, str | None]:
    async with sessions() as session:
        d = await session.get_one(Discussion, p.discussion)
        return d.state, d.closed_reason


async def kinds_told(sessions: async_sessionmaker[AsyncSession], rid: int) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification.kind)
            .where(Notification.registrant_id == rid)
            .order_by(Notification.id)
        )
        return list(rows)


async def test_a_dispute_needs_a_reason(sessions: async_sessionmaker[AsyncSession]) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    for reason in ("", "   "):  # blank is missing
        with pytest.raises(BadInput) as refused:
            async with sessions() as session, session.begin():
                await validate(session, p.a, p.discussion, False, "", LATER, context(), reason)
        assert refused.value.code == "reason_required"
    assert await discussion(sessions, p) == ("open", None)


async def test_the_disputer_goes_back_at_once_and_the_other_stays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, aftermath = await disputed(sessions)
    a = p.completions[0]
    assert aftermath.requeue == [a]
    frames = [(e.frame["type"], e.registrant_id or e.discussion_id) for e in aftermath.deliveries]
    assert frames == [("validation", p.discussion), ("completion", p.a)]
    assert aftermath.deliveries[0].frame["state"] == "disputed"
    assert aftermath.deliveries[1].frame["completion"]["state"] == "seeking_peer"
    assert await states(sessions, p) == [State.SEEKING_PEER, State.IN_DISCUSSION]
    assert await discussion(sessions, p) == ("disputed", None)
    async with sessions() as session:
        [row] = await session.scalars(select(Dispute))
        assert (row.disputer_id, row.reason, row.decided_at) == (
            p.a, "They wrote one word on each prompt.", None,
        )  # fmt: skip
        back = await session.get_one(Completion, a)
        assert (back.discussion_id, back.deadline) == (None, DEADLINE)  # keeps its place
    assert await kinds_told(sessions, p.a) == ["paired", "requeued"]
    assert await kinds_told(sessions, p.b) == ["paired", "disputed"]
    async with sessions() as session, session.begin():  # read-only while disputed
        [stored] = await store_messages(session, [Post(p.discussion, p.b, "x", "hello?")], LATER)
    assert stored.error == "discussion_closed"
    with pytest.raises(Conflict) as again:
        await run_validate(sessions, p, p.a)
    assert again.value.code == "already_validated"
    assert await points(sessions) == []


async def test_the_other_may_still_validate_and_nothing_completes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    aftermath = await run_validate(sessions, p, p.b)
    assert [e.frame["type"] for e in aftermath.deliveries] == ["validation"]
    assert aftermath.deliveries[0].frame["state"] == "disputed"
    assert await discussion(sessions, p) == ("disputed", None)
    assert await states(sessions, p) == [State.SEEKING_PEER, State.IN_DISCUSSION]
    assert await points(sessions) == []


async def test_a_validation_the_other_made_first_stays_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    await run_validate(sessions, p, p.b)  # B confirms A took part
    await run_validate(sessions, p, p.a, took=False)  # A does not confirm B
    assert await discussion(sessions, p) == ("disputed", None)
    assert await points(sessions) == []
    mod = await someone(sessions, "moderator")
    await decide(sessions, p, mod, award=True)
    assert await points(sessions) == [(p.completions[1], "interactive")]


async def test_the_other_disputing_back_closes_it_and_both_are_requeued(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    aftermath = await run_validate(sessions, p, p.b, took=False)
    assert aftermath.requeue == [p.completions[1]]
    assert await discussion(sessions, p) == ("closed", "disputed_by_both")
    assert await states(sessions, p) == [State.SEEKING_PEER] * 2
    mod = await someone(sessions, "moderator")
    with pytest.raises(Conflict) as nothing_to_decide:
        await decide(sessions, p, mod, award=False)
    assert nothing_to_decide.value.code == "not_disputed"


async def test_an_award_completes_the_other_as_interactive_and_tells_both(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    await run_validate(sessions, p, p.b)
    mod = await someone(sessions, "moderator")
    aftermath = await decide(sessions, p, mod, award=True, reason="B wrote on every prompt")
    assert [e.frame["type"] for e in aftermath.deliveries] == ["validation", "completion"]
    assert aftermath.deliveries[0].frame["state"] == "closed"
    assert aftermath.deliveries[0].frame["closed_reason"] == "dispute_awarded"
    assert aftermath.deliveries[1].registrant_id == p.b
    assert aftermath.deliveries[1].frame["completion"]["points"] == {
        "interactive": 1,
        "non_interactive": 0,
    }
    assert await states(sessions, p) == [State.SEEKING_PEER, State.COMPLETED_INTERACTIVE]
    assert await discussion(sessions, p) == ("closed", "dispute_awarded")
    assert await points(sessions) == [(p.completions[1], "interactive")]  # exactly one
    assert await kinds_told(sessions, p.b) == ["paired", "disputed", "completed", "dispute_decided"]
    assert await kinds_told(sessions, p.a) == ["paired", "requeued", "dispute_decided"]
    async with sessions() as session:
        subjects = list(await session.scalars(select(OutgoingEmail.subject)))
        assert sum("CET completed" in s for s in subjects) == 1
        assert sum("decided the dispute" in s for s in subjects) == 2
        [entry] = await session.scalars(select(AuditEntry))
        assert (entry.actor_id, entry.action, entry.subject, entry.reason) == (
            mod, "dispute_award", f"discussion:{p.discussion}", "B wrote on every prompt",
        )  # fmt: skip
        [row] = await session.scalars(select(Dispute))
        assert (row.award, row.decided_by, row.decision_reason) == (
            True, mod, "B wrote on every prompt",
        )  # fmt: skip
    with pytest.raises(Conflict) as second:  # one decision per dispute
        await decide(sessions, p, mod, award=False)
    assert second.value.code == "already_decided"
    with pytest.raises(Conflict) as late:
        await run_validate(sessions, p, p.b)
    assert late.value.code in ("discussion_closed", "already_validated")


async def test_no_award_for_one_who_has_not_confirmed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    mod = await someone(sessions, "moderator")
    with pytest.raises(Conflict) as refused:
        await decide(sessions, p, mod, award=True)
    assert refused.value.code == "not_taken_part"
    assert await discussion(sessions, p) == ("disputed", None)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_a_refusal_within_the_deadline_sends_the_other_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    await run_validate(sessions, p, p.b)
    mod = await someone(sessions, "moderator")
    aftermath = await decide(sessions, p, mod, award=False, reason="B wrote nothing useful")
    assert aftermath.requeue == [p.completions[1]]
    assert aftermath.deliveries[0].frame["closed_reason"] == "dispute_refused"
    assert await states(sessions, p) == [State.SEEKING_PEER] * 2
    assert await discussion(sessions, p) == ("closed", "dispute_refused")
    assert await points(sessions) == []
    assert await kinds_told(sessions, p.b) == ["paired", "disputed", "requeued", "dispute_decided"]
    async with sessions() as session:
        [entry] = await session.scalars(select(AuditEntry))
        assert (entry.action, entry.reason) == ("dispute_refuse", "B wrote nothing useful")


async def test_a_refusal_after_the_deadline_falls_the_other_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    mod = await someone(sessions, "moderator")
    with pytest.raises(Conflict) as late:
        await decide(sessions, p, mod, award=True, at=DEADLINE)
    assert late.value.code == "not_taken_part"  # nor confirmed, nor in time
    await run_validate(sessions, p, p.b)
    with pytest.raises(Conflict) as late:
        await decide(sessions, p, mod, award=True, at=DEADLINE)
    assert late.value.code == "deadline_passed"
    await decide(sessions, p, mod, award=False, at=DEADLINE)
    async with sessions() as session:
        other = await session.get_one(Completion, p.completions[1])
        assert (other.state, other.fallback, other.completed_at) == (
            State.COMPLETED_NON_INTERACTIVE, True, DEADLINE,
        )  # fmt: skip
    assert await discussion(sessions, p) == ("closed", "dispute_refused")
    assert await points(sessions) == [(p.completions[1], "non_interactive")]


async def test_the_deadline_falls_the_other_back_without_a_decision(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    await run_validate(sessions, p, p.b)
    assert (
        await apply_due(sessions, DEADLINE, context()) == 2
    )  # the other, and the disputer still waiting
    assert await discussion(sessions, p) == ("closed", "dispute_expired")
    assert await states(sessions, p) == [State.COMPLETED_NON_INTERACTIVE] * 2
    assert sorted(await points(sessions)) == [(c, "non_interactive") for c in p.completions]
    mod = await someone(sessions, "moderator")
    with pytest.raises(Conflict) as over:
        await decide(sessions, p, mod, award=True)
    assert over.value.code == "not_disputed"


@pytest.mark.parametrize("aftermath", ["void", "repair"])
async def test_a_moderator_may_void_or_repair_a_disputed_discussion(
    sessions: async_sessionmaker[AsyncSession], aftermath: str
) -> None:
    p, _ = await disputed(sessions)
    mod = await someone(sessions, "moderator")
    async with sessions() as session, session.begin():
        moderator = await session.get_one(Registrant, mod)
        result = await moderation.close(
            session, moderator, p.discussion, aftermath, "why", LATER, links()
        )
    assert result.requeue == [p.completions[1]]
    assert await states(sessions, p) == [State.SEEKING_PEER] * 2
    assert (await discussion(sessions, p))[0] == "closed"


async def test_a_decision_needs_a_reason_an_answer_and_someone_elses_dispute(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    mod = await someone(sessions, "moderator")
    with pytest.raises(Conflict) as open_room:
        await decide(sessions, p, mod, award=True)
    assert open_room.value.code == "not_disputed"
    await take_part(sessions, p, p.a, p.b)
    await run_validate(sessions, p, p.a, took=False)
    for award, reason, code in ((True, " ", "reason_required"), ("yes", "ok", "bad_award")):
        with pytest.raises(BadInput) as bad:
            await decide(sessions, p, mod, award=award, reason=reason)
        assert bad.value.code == code
    async with sessions() as session, session.begin():  # a moderator who is a participant
        await session.execute(
            update(Registrant).where(Registrant.id == p.b).values(role="moderator")
        )
    with pytest.raises(Forbidden):
        await decide(sessions, p, p.b, award=True)
    assert await discussion(sessions, p) == ("disputed", None)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_the_disputer_waits_ahead_of_later_deadlines(
    sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    """C waits with a later deadline (and has met A, so the two are not paired): A's
    dispute puts A back ahead of C, at A's own deadline; B is in no queue."""
    p = await paired(sessions)
    queues = Queues(redis)
    async with sessions() as session, session.begin():
        course = (await session.get_one(Discussion, p.discussion)).course_id
        course_row = await session.get_one(Course, course)
        c = await f.waiting(session, await f.registrant(session), course_row, LATER)
    year = cet_year(LATER, LONDON)
    await queues.remember_met(
        [Paired(course, year, p.a, p.b), Paired(course, year, p.a, c.registrant_id)]
    )
    await queues.add([Entry(course, c.id, c.registrant_id, c.deadline)])
    await take_part(sessions, p, p.a, p.b)
    aftermath = await run_validate(sessions, p, p.a, took=False)
    await matching_effects(sessions, redis, context(clock=FixedClock(LATER)))(aftermath)
    a = p.completions[0]
    assert await queues.members(course) == [(a, p.a), (c.id, c.registrant_id)]
    score = await redis.zscore(keys.course_queue(course), f"{a}:{p.a}")
    assert score == DEADLINE.timestamp() < c.deadline.timestamp()


async def test_two_decisions_at_once_make_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    p, _ = await disputed(sessions)
    await run_validate(sessions, p, p.b)
    first, second = await someone(sessions, "moderator"), await someone(sessions, "moderator")

    async def deciding(mod: int, award: bool) -> str:
        try:
            await decide(sessions, p, mod, award=award)
        except Conflict as refused:
            return refused.code
        return "decided"

    results = await asyncio.gather(deciding(first, True), deciding(second, False))
    assert sorted(results) == ["already_decided", "decided"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    awarded = results[0] == "decided"
    assert await points(sessions) == ([(p.completions[1], "interactive")] if awarded else [])


async def test_an_award_racing_the_deadline_has_exactly_one_point_record(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    await run_validate(sessions, p, p.b)
    mod = await someone(sessions, "moderator")

    async def award() -> str:
        try:
            await decide(sessions, p, mod, award=True, at=DEADLINE - timedelta(milliseconds=1))
        except Conflict:
            return "refused"
        return "awarded"

    result, _ = await asyncio.gather(award(), apply_due(sessions, DEADLINE, context()))
    other = p.completions[1]
    async with sessions() as session:
        mine = list(
            await session.scalars(select(PointRecord).where(PointRecord.completion_id == other))
        )
    assert len(mine) == 1
    assert mine[0].kind == ("interactive" if result == "awarded" else "non_interactive")
    reason = await discussion(sessions, p)
    assert reason == ("closed", "dispute_awarded" if result == "awarded" else "dispute_expired")


async def test_a_refusal_racing_the_others_validation_leaves_one_story(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p, _ = await disputed(sessions)
    mod = await someone(sessions, "moderator")

    async def validating() -> str:
        try:
            await run_validate(sessions, p, p.b)
        except Conflict as refused:
            return refused.code
        return "validated"

    result, _ = await asyncio.gather(validating(), decide(sessions, p, mod, award=False))
    assert result in ("validated", "discussion_closed")
    assert await discussion(sessions, p) == ("closed", "dispute_refused")
    assert await states(sessions, p) == [State.SEEKING_PEER] * 2
    assert await points(sessions) == []


async def test_a_dispute_near_the_deadline_is_at_risk_and_no_no_show(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Both took part, so the no-show rule never closes a disputed room; near the
    deadline the other's completion is at risk until a moderator decides."""
    p, _ = await disputed(sessions)
    later = DEADLINE - timedelta(days=2)
    assert await run_no_shows(sessions, later, links()) == 0
    assert await discussion(sessions, p) == ("disputed", None)
    async with sessions() as session:
        risks = {c["id"]: c["risk"] for c in await moderation.at_risk(session, later)}
    assert risks == {p.completions[0]: "no_discussion", p.completions[1]: "dispute_waiting"}
    async with sessions() as session:
        assert await moderation.at_risk(session, LATER) == []  # not near yet
