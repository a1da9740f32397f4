"""Moderators and accounts: correcting a GOC number, disabling and re-enabling.

Each change is audited with its reason. A number is corrected only to one that no
other account holds (409 `goc_number_taken`), which also clears the duplicate flag
that migration 0006 left on accounts found sharing one. Disabling ends every
session of the account (its sockets close on every web process).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.accounts import registrants as accounts
from peercet.accounts.gocnumbers import EXAMPLE, normalise_goc_number
from peercet.core import audit
from peercet.core.audit import check_reason
from peercet.core.errors import BadInput, Conflict, NotFound
from peercet.core.publish import Aftermath
from peercet.core.tables import Registrant

LISTED = 200  # accounts in one answer of the console's search
MAX_QUERY = 200  # characters of a search: the API refuses a longer one, the page cuts it


class ModeratedView(accounts.RegistrantView):
    """An account as the moderators' console lists it."""

    disabled_at: str | None
    goc_number_shared: bool


def subject(registrant_id: int) -> str:
    return f"registrant:{registrant_id}"


async def _registrant(session: AsyncSession, registrant_id: int) -> Registrant:
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None:
        raise NotFound("no such registrant")
    return registrant


def _number(value: Any) -> str:
    number = normalise_goc_number(value) if isinstance(value, str) else None
    if number is None:
        raise BadInput(f"goc_number must look like {EXAMPLE}", "invalid_goc_number")
    return number


async def correct_goc_number(
    session: AsyncSession,
    moderator: Registrant,
    registrant_id: int,
    goc_number: Any,
    reason: Any,
    now: datetime,
) -> Registrant:
    """The registrant's number as the GOC register has it; unchanged is not audited."""
    number, why = _number(goc_number), check_reason(reason)
    registrant = await _registrant(session, registrant_id)
    old = registrant.goc_number
    if old == number and registrant.goc_number_duplicate == 0:
        return registrant
    await accounts.refuse_if_taken(session, None, number, other_than=registrant_id)

    def change() -> None:
        registrant.goc_number, registrant.goc_number_duplicate = number, 0

    await accounts.write_unique(session, change, None, number, other_than=registrant_id)
    await audit.record(
        session, now, moderator, "correct_goc_number", subject(registrant_id), why,
        old=old, new=number,
    )  # fmt: skip
    return registrant


async def set_disabled(
    session: AsyncSession,
    moderator: Registrant,
    registrant_id: int,
    disabled: bool,
    reason: Any,
    now: datetime,
) -> tuple[Registrant, Aftermath]:
    """Disable (every session ends, sign-in refused) or re-enable; idempotent."""
    why = check_reason(reason)
    registrant = await _registrant(session, registrant_id)
    if disabled and registrant_id == moderator.id:
        raise Conflict("a moderator cannot disable their own account", "cannot_disable_self")
    if (registrant.disabled_at is not None) == disabled:
        return registrant, Aftermath()
    registrant.disabled_at = now if disabled else None
    aftermath = Aftermath()
    if disabled:
        registrant.session_epoch, aftermath = await accounts.end_sessions(session, registrant_id)
    action = "disable_account" if disabled else "enable_account"
    await audit.record(session, now, moderator, action, subject(registrant_id), why)
    return registrant, aftermath


async def shared_numbers(session: AsyncSession) -> set[str]:
    """Numbers more than one account holds: the accounts moderators must sort out."""
    rows = await session.scalars(
        select(Registrant.goc_number)
        .group_by(Registrant.goc_number)
        .having(func.count(Registrant.id) > 1)
    )
    return set(rows)


async def find(session: AsyncSession, q: str, flagged: bool) -> list[ModeratedView]:
    """Accounts by email, name or GOC number (any way of writing it), or only those
    sharing a number; each says whether its number is shared."""
    shared = await shared_numbers(session)
    query = select(Registrant).order_by(Registrant.goc_number, Registrant.id).limit(LISTED)
    if flagged:
        query = query.where(Registrant.goc_number.in_(shared))
    if q.strip():
        like = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Registrant.email).like(like),
                func.lower(Registrant.name).like(like),
                Registrant.goc_number == (normalise_goc_number(q) or q.strip()),
            )
        )
    return [moderator_frame(r, r.goc_number in shared) for r in await session.scalars(query)]


def moderator_frame(registrant: Registrant, shared: bool) -> ModeratedView:
    disabled = registrant.disabled_at
    return {
        **accounts.registrant_frame(registrant),
        "disabled_at": None if disabled is None else disabled.isoformat(),
        "goc_number_shared": shared,
    }


async def listed(session: AsyncSession, registrant: Registrant) -> ModeratedView:
    """The account as the console lists it, after a moderator changed it."""
    return moderator_frame(registrant, registrant.goc_number in await shared_numbers(session))
