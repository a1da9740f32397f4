"""Completions made by the actions themselves: a pass (awaiting the choice), then the
choice to discuss (seeking a peer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions.actions import choose, record_pass
from peercet.completions.lifecycle import Mode
from peercet.core.db import transaction
from peercet.core.tables import Completion, Course, Registrant
from tests.support.context import context
from tests.support.factories.courses import course
from tests.support.factories.people import registrant
from tests.support.factories.scheme import T0


async def completion(
    session: AsyncSession, who: Registrant, what: Course, passed_at: datetime = T0
) -> Completion:
    """`who` passed `what`: awaiting the choice (or completed, for a non-interactive course)."""
    result = await record_pass(session, who, what, passed_at, context())
    return result.completion


async def passed(
    session: AsyncSession, what: Course, passed_at: datetime = T0, who: Registrant | None = None
) -> Completion:
    """A completion awaiting the choice, of a new registrant unless `who` is given."""
    return await completion(session, who or await registrant(session), what, passed_at)


async def waiting(
    session: AsyncSession, who: Registrant, what: Course, passed_at: datetime = T0
) -> Completion:
    """A completion whose registrant chose the interactive discussion: seeking a peer."""
    done = await completion(session, who, what, passed_at)
    await choose(session, done, what, Mode.INTERACTIVE, passed_at, context())
    return done


async def passes(
    sessions: async_sessionmaker[AsyncSession], *when: datetime
) -> tuple[Course, list[Completion]]:
    """A course and one completion (awaiting the choice) of a new registrant passed at each
    moment, so with deadlines in that order; committed."""
    async with transaction(sessions) as session:
        what = await course(session)
        return what, [await passed(session, what, at) for at in when]
