"""Who a session cookie's claim names, and whether a session is still alive.

A session is the pair (registrant id, session epoch) a cookie carries; ending the
account's sessions (`registrants.end_sessions`) moves the epoch, and a disabled
account has none. The edge reads the cookie; these reads judge the claim.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.tables import Registrant


async def signed_in(session: AsyncSession, registrant_id: int, epoch: int) -> Registrant | None:
    """The registrant of a live session; None once signed out (or disabled) since."""
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None or registrant.session_epoch != epoch:
        return None
    return None if registrant.disabled_at is not None else registrant


async def session_alive(session: AsyncSession, registrant_id: int, epoch: int) -> bool:
    """The same judgement without loading the account: asked again by a socket once it
    listens for the end of its session (a sign-out in between would go unheard)."""
    found = (
        await session.execute(
            select(Registrant.session_epoch, Registrant.disabled_at).where(
                Registrant.id == registrant_id
            )
        )
    ).first()
    return found is not None and found[0] == epoch and found[1] is None
