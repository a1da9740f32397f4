"""Flows the edges call, against real databases: a cookie's session judged
(peercet/accounts/sessions.py) and the choice for one's own completion
(peercet/completions/choosing.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.accounts import registrants
from peercet.accounts import sessions as accounts
from peercet.completions.choosing import choose_own
from peercet.completions.lifecycle import Mode, State
from peercet.core.errors import Conflict, NotFound
from tests.support import factories as f
from tests.support.context import context


async def test_a_session_lives_until_its_epoch_moves_or_the_account_is_disabled(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        who = await f.registrant(session)
        epoch = who.session_epoch
        assert await accounts.signed_in(session, who.id, epoch) is who
        assert await accounts.session_alive(session, who.id, epoch)
        assert await accounts.signed_in(session, who.id + 1000, epoch) is None
        assert not await accounts.session_alive(session, who.id + 1000, epoch)
        await registrants.end_sessions(session, who.id)
        await session.refresh(who)
        assert await accounts.signed_in(session, who.id, epoch) is None
        assert not await accounts.session_alive(session, who.id, epoch)
        assert await accounts.session_alive(session, who.id, who.session_epoch)
        who.disabled_at = f.T0
        await session.flush()
        assert await accounts.signed_in(session, who.id, who.session_epoch) is None
        assert not await accounts.session_alive(session, who.id, who.session_epoch)


async def test_one_chooses_for_ones_own_completion_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        course = await f.course(session)
        mine = await f.completion(session, await f.registrant(session), course)
        other = await f.registrant(session)
        with pytest.raises(NotFound):  # someone else's completion is not told
            await choose_own(session, other.id, mine.id, Mode.NON_INTERACTIVE, f.T0, context())
        chosen = await choose_own(
            session, mine.registrant_id, mine.id, Mode.NON_INTERACTIVE, f.T0, context()
        )
        assert chosen.completion.state == State.COMPLETED_NON_INTERACTIVE
        assert chosen.award is not None and chosen.award.points == course.points
        assert mine.id in [e.frame["completion"]["id"] for e in chosen.aftermath.deliveries]
        with pytest.raises(Conflict) as refused:
            await choose_own(
                session, mine.registrant_id, mine.id, Mode.INTERACTIVE, f.T0, context()
            )
        assert refused.value.code == "already_chosen"
