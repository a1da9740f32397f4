"""Migration 0010: invitations made before it get the expiry the rule gives them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.invitation_rules import LIFETIME
from peercet.core.db import create_engine, transaction
from peercet.core.migrate import alembic_config
from peercet.core.tables import Invitation, UTCDateTime
from tests.support import factories as f

OLD = sa.table(  # the table as 0004 left it
    "invitations",
    sa.column("completion_id", sa.Integer()),
    sa.column("invitee_email", sa.String()),
    sa.column("state", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


async def test_existing_invitations_expire_72_hours_on_or_at_the_inviters_deadline(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        roomy = await f.passed(session, course)  # deadline T0 + 14 days
        tight = await f.passed(session, course, f.T0 - timedelta(days=13))  # T0 + 1 day
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0010-1")  # just before 0010
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            for completion in (roomy, tight):
                await conn.execute(
                    OLD.insert().values(
                        completion_id=completion.id,
                        invitee_email="old@example.test",
                        state="pending",
                        created_at=f.T0,
                    )
                )
    finally:
        await engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    async with sessions() as session:
        expiries = {
            i.completion_id: i.expires_at for i in await session.scalars(sa.select(Invitation))
        }
    assert expiries == {roomy.id: f.T0 + LIFETIME, tight.id: tight.deadline}
