"""`moves.move` on real databases (SQLite and PostgreSQL): a completion the lifecycle
table does not allow a transition from, or whose deadline rule does not hold, is left
exactly as it was; an allowed move happens once (rule 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions.awards import complete_interactive
from peercet.completions.lifecycle import TRANSITIONS, Event, InvalidTransition, State
from peercet.completions.moves import move
from peercet.core.tables import Completion
from tests.support import factories as f

DAY = timedelta(days=1)


async def _in_state(session: AsyncSession, state: State) -> int:
    """A completion brought to `state` by the ordinary actions."""
    course = await f.course(session, interactive=state is not State.COMPLETED_NON_INTERACTIVE)
    if state in (State.IN_DISCUSSION, State.COMPLETED_INTERACTIVE):
        first, second, _ = await f.pair(session, course)
        if state is State.COMPLETED_INTERACTIVE:
            await complete_interactive(session, [first.id, second.id], f.T0)
        return first.id
    who = await f.registrant(session)
    if state is State.SEEKING_PEER:
        return (await f.waiting(session, who, course)).id
    return (await f.completion(session, who, course)).id


async def _row(session: AsyncSession, completion_id: int) -> tuple[object, ...]:
    c = await session.get_one(Completion, completion_id, populate_existing=True)
    return (c.state, c.discussion_id, c.queued_at, c.completed_at, c.fallback)


@pytest.mark.parametrize("state", list(State))
async def test_a_forbidden_move_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], state: State
) -> None:
    async with sessions() as session, session.begin():
        cid = await _in_state(session, state)
        before = await _row(session, cid)
        for event in (e for e in Event if (state, e) not in TRANSITIONS):
            for now in (f.T0 + DAY, f.T0 + 30 * DAY):  # before the deadline, and after it
                done = f.T0 + 2 * DAY
                assert await move(session, [cid], event, now, completed_at=done) == []
                with pytest.raises(InvalidTransition):
                    await move(session, [cid], event, now, source=state, completed_at=done)
        assert await _row(session, cid) == before


@pytest.mark.parametrize(
    ("state", "event", "now"),
    [
        (State.SEEKING_PEER, Event.PAIRED, f.T0 + 14 * DAY),  # at the deadline: too late
        (State.AWAITING_CHOICE, Event.CHOOSE_INTERACTIVE, f.T0 + 15 * DAY),
        (State.IN_DISCUSSION, Event.PEER_LOST, f.T0 + 14 * DAY),
        (State.IN_DISCUSSION, Event.DEADLINE, f.T0 + 14 * DAY - timedelta(seconds=1)),
    ],
)
async def test_a_move_out_of_its_deadline_rule_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], state: State, event: Event, now: datetime
) -> None:
    async with sessions() as session, session.begin():
        cid = await _in_state(session, state)
        before = await _row(session, cid)
        assert await move(session, [cid], event, now, completed_at=f.T0) == []
        assert await _row(session, cid) == before


async def test_an_allowed_move_happens_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    due = f.T0 + 14 * DAY
    async with sessions() as session, session.begin():
        cid = await _in_state(session, State.SEEKING_PEER)
        extra = {"fallback": True, "completed_at": due}
        assert await move(session, [cid], Event.DEADLINE, due, **extra) == [cid]
        assert await move(session, [cid], Event.DEADLINE, due, **extra) == []
        assert await _row(session, cid) == (
            State.COMPLETED_NON_INTERACTIVE.value, None, f.T0, due, True
        )  # fmt: skip
