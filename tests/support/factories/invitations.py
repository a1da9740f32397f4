"""Invitations made by the inviting action, as the endpoint makes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from matching.invitations import Target, invite
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Invitation, Registrant
from tests.support.context import context
from tests.support.factories.scheme import T0


async def invitation(
    session: AsyncSession, inviter: Completion, target: Target, at: datetime = T0
) -> tuple[Invitation, Aftermath]:
    """The registrant of `inviter` (seeking a peer) names a colleague by `target`."""
    who = await session.get_one(Registrant, inviter.registrant_id)
    return await invite(session, who, inviter, target, at, context())
