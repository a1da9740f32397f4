"""Messages and dual validation against real databases (DOMAIN.md rules 3, 6, 7)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import reads
from discussion.actions import Post, message_deliveries, store_messages, validate
from discussion.deadlines import apply_due
from peercet.completions.lifecycle import State
from peercet.core.errors import Conflict, Forbidden
from peercet.core.tables import Completion, Discussion, PointRecord
from tests.support import factories as f
from tests.support.context import context
from tests.support.factories import Pair, paired, someone

LATER = f.T0 + timedelta(hours=1)


async def take_part(sessions: async_sessionmaker[AsyncSession], p: Pair, *who: int) -> None:
    posts = [
        Post(p.discussion, rid, f"{rid}-{prompt}", f"On {prompt}", prompt)
        for rid in who
        for prompt in p.prompts
    ]
    async with sessions() as session, session.begin():
        await store_messages(session, posts, LATER)


async def states(sessions: async_sessionmaker[AsyncSession], p: Pair) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Completion.state).where(Completion.id.in_(p.completions)).order_by(Completion.id)
        )
        return list(rows)


async def points(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(PointRecord.completion_id, PointRecord.kind).order_by(PointRecord.completion_id)
        )
        return [(r[0], r[1]) for r in rows]


async def run_validate(
    sessions: async_sessionmaker[AsyncSession], p: Pair, rid: int, took: bool = True, at=LATER
):  # type: ignore[no-untyped-def]
    """A validation; one saying the peer did not take part gives a reason (a dispute)."""
    reason = "" if took else "They wrote one word on each prompt."
    async with sessions() as session, session.begin():
        return await validate(
            session, rid, p.discussion, took, "We discussed it.", at, context(), reason
        )


async def test_seq_is_gapless_and_a_repeat_returns_the_stored_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    batch = [Post(p.discussion, p.a, "x", "one"), Post(p.discussion, p.b, "y", "two"),
             Post(p.discussion, p.a, "x", "one again")]  # fmt: skip
    async with sessions() as session, session.begin():
        stored = await store_messages(session, batch, LATER)
    assert [(s.frame or {})["seq"] for s in stored] == [1, 2, 1]
    assert [s.new for s in stored] == [True, True, False]
    assert len(message_deliveries(stored)) == 2  # each new message once
    async with sessions() as session, session.begin():
        again = await store_messages(session, [Post(p.discussion, p.b, "y", "two")], LATER)
        more = await store_messages(session, [Post(p.discussion, p.b, "z", "three")], LATER)
    assert again[0].frame == stored[1].frame and not again[0].new
    assert (more[0].frame or {})["seq"] == 3
    async with sessions() as session:
        assert (await session.get_one(Discussion, p.discussion)).last_seq == 3


async def test_taking_part_means_writing_on_every_prompt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    async with sessions() as session, session.begin():
        await store_messages(session, [Post(p.discussion, p.a, "1", "hi", p.prompts[0])], LATER)
        assert await reads.taking_part(session, p.discussion) == {p.a: False, p.b: False}
    await take_part(sessions, p, p.a)
    async with sessions() as session:
        assert await reads.taking_part(session, p.discussion) == {p.a: True, p.b: False}


async def test_validating_before_both_took_part_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a)
    with pytest.raises(Conflict) as refused:
        await run_validate(sessions, p, p.a)
    assert refused.value.code == "not_taken_part"


async def test_one_validation_completes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    aftermath = await run_validate(sessions, p, p.a)
    assert [e.frame["type"] for e in aftermath.deliveries] == ["validation"]
    assert await states(sessions, p) == [State.IN_DISCUSSION] * 2
    assert await points(sessions) == []
    with pytest.raises(Conflict) as again:
        await run_validate(sessions, p, p.a)
    assert again.value.code == "already_validated"


async def test_the_second_validation_completes_both_with_one_point_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    await run_validate(sessions, p, p.a)
    aftermath = await run_validate(sessions, p, p.b)
    kinds = [e.frame["type"] for e in aftermath.deliveries]
    assert kinds == ["validation", "completion", "completion"]
    assert aftermath.deliveries[0].frame["state"] == "completed"
    assert {e.registrant_id for e in aftermath.deliveries[1:]} == {p.a, p.b}
    assert await states(sessions, p) == [State.COMPLETED_INTERACTIVE] * 2
    assert await points(sessions) == [(c, "interactive") for c in sorted(p.completions)]
    assert (
        await apply_due(sessions, f.T0 + timedelta(days=15), context()) == 0
    )  # nothing left to fall back


async def test_a_stranger_cannot_validate(sessions: async_sessionmaker[AsyncSession]) -> None:
    p = await paired(sessions)
    stranger = await someone(sessions)
    with pytest.raises(Forbidden):
        await run_validate(sessions, p, stranger)


async def test_a_dispute_comes_after_both_took_part(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """API.md: before both have taken part a validation is 409, whatever it says (the
    dispute itself: tests/flows/test_disputes.py)."""
    p = await paired(sessions)
    await take_part(sessions, p, p.a)
    with pytest.raises(Conflict) as early:
        await run_validate(sessions, p, p.a, took=False)
    assert early.value.code == "not_taken_part"
    assert await states(sessions, p) == [State.IN_DISCUSSION] * 2


async def test_a_validation_after_the_deadline_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    await run_validate(sessions, p, p.a)
    with pytest.raises(Conflict) as late:
        await run_validate(sessions, p, p.b, at=f.T0 + timedelta(days=14))
    assert late.value.code == "deadline_passed"
    assert await points(sessions) == []


async def test_a_validation_racing_the_deadline_has_exactly_one_outcome(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    p = await paired(sessions)
    await take_part(sessions, p, p.a, p.b)
    await run_validate(sessions, p, p.a)
    deadline = f.T0 + timedelta(days=14)

    async def validation() -> str:
        try:
            await run_validate(sessions, p, p.b, at=deadline - timedelta(milliseconds=1))
        except Conflict:
            return "refused"
        return "validated"

    result, fallbacks = await asyncio.gather(validation(), apply_due(sessions, deadline, context()))
    final = await states(sessions, p)
    kinds = {kind for _, kind in await points(sessions)}
    if result == "validated":
        assert (fallbacks, final, kinds) == (0, [State.COMPLETED_INTERACTIVE] * 2, {"interactive"})
    else:
        assert (fallbacks, final) == (2, [State.COMPLETED_NON_INTERACTIVE] * 2)
        assert kinds == {"non_interactive"}
    assert sorted(c for c, _ in await points(sessions)) == sorted(p.completions)
    async with sessions() as session:
        n = await session.scalar(select(func.count()).select_from(PointRecord))
    assert n == 2
