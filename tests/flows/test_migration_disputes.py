"""Migration 0007 on both databases: a dispute made before it (the discussion closed as
"disputed", the reason kept as the validation's reflection) becomes a disputes row."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.migrate import alembic_config
from peercet.core.tables import Discussion, Dispute, Validation
from tests.support import factories as f


async def test_a_dispute_from_before_is_kept_over_and_undecided(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():  # the ORM's courses: today's table
        disputed, quiet = await f.course(session), await f.course(session)
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0007-1")  # just before 0007
    try:
        async with sessions() as session, session.begin():
            first, second, did = await f.pair(session, disputed)
            _, _, calm = await f.pair(session, quiet)
            session.add_all([
                Validation(discussion_id=did, registrant_id=first.registrant_id,
                           peer_took_part=False, reflection="He never wrote", at=f.T0),
                Validation(discussion_id=calm, registrant_id=second.registrant_id,
                           peer_took_part=True, reflection="Fine", at=f.T0),
            ])  # fmt: skip
            await session.execute(
                update(Discussion)
                .where(Discussion.id == did)
                .values(state="closed", closed_reason="disputed", closed_at=f.T0)
            )
    finally:
        await asyncio.to_thread(command.upgrade, config, "head")
    async with sessions() as session:
        [row] = await session.scalars(select(Dispute))
    assert (row.discussion_id, row.disputer_id, row.reason, row.created_at) == (
        did, first.registrant_id, "He never wrote", f.T0,
    )  # fmt: skip
    assert (row.decided_at, row.award, row.decision_reason) == (None, None, None)
