"""Completion actions against real databases: the choice under a changed catalogue and
under a double click (peercet/completions/actions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions.actions import choose
from peercet.completions.lifecycle import InvalidTransition, Mode, State
from peercet.core.errors import Conflict
from peercet.core.tables import Completion, Course, PointRecord
from tests.support import factories as f
from tests.support.context import context


async def test_a_course_made_non_interactive_still_lets_its_open_completions_choose(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        course = await f.course(session)
        deciding = await f.completion(session, await f.registrant(session), course)
        waiting = await f.waiting(session, await f.registrant(session), course)
        course.interactive = False  # a catalogue import changed it since the passes
    async with sessions() as session, session.begin():
        course = await session.get_one(Course, course.id)
        for cid in (deciding.id, waiting.id):
            completion = await session.get_one(Completion, cid)
            with pytest.raises(Conflict) as refused:
                await choose(session, completion, course, Mode.INTERACTIVE, f.T0, context())
            assert refused.value.code == "not_interactive"
            aftermath = await choose(
                session, completion, course, Mode.NON_INTERACTIVE, f.T0, context()
            )
            assert completion.state == State.COMPLETED_NON_INTERACTIVE
            assert completion.fallback is False  # their choice, not a fallback
            assert (cid in aftermath.dequeue) is (cid == waiting.id)
    async with sessions() as session:
        assert len(list(await session.scalars(PointRecord.__table__.select()))) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite serialises
async def test_the_same_choice_twice_at_once_is_made_once_and_both_succeed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        course = await f.course(session)
        cid = (await f.completion(session, await f.registrant(session), course)).id
    async with sessions() as second, second.begin():
        late = await second.get_one(Completion, cid)  # the second click read it undecided
        async with sessions() as first, first.begin():
            mine = await first.get_one(Completion, cid)
            assert (
                await choose(first, mine, course, Mode.NON_INTERACTIVE, f.T0, context())
            ).deliveries
        again = await choose(second, late, course, Mode.NON_INTERACTIVE, f.T0, context())
        assert again.deliveries == [] and late.state == State.COMPLETED_NON_INTERACTIVE
        with pytest.raises(InvalidTransition):  # another choice after a final one: 409
            await choose(second, late, course, Mode.INTERACTIVE, f.T0, context())
    async with sessions() as session:
        assert len(list(await session.scalars(PointRecord.__table__.select()))) == 1
