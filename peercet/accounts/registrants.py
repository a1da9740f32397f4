"""Registrant accounts: field checks, creation, sign-in's reads, ending sessions.

One account per email and per GOC number: checked first for a clear answer, and
made certain by the unique constraints, so two registrations racing for one
number give one account and one 409, whichever database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypedDict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.accounts.gocnumbers import CANONICAL, EXAMPLE, normalise_goc_number
from peercet.accounts.passwords import Cost, passwords
from peercet.catalogue.loading import PROFESSIONS
from peercet.core.errors import BadInput, Conflict
from peercet.core.publish import Aftermath, Delivery
from peercet.core.tables import Registrant

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GOC_NUMBER = CANONICAL  # what peercet.accounts.gocnumbers writes: 01-12345
MIN_PASSWORD = 10
ROLES = ("registrant", "moderator")
# On a registrant's channel: every socket opened before `epoch` closes (web.ws.outbound)
SESSIONS_ENDED: Literal["sessions_ended"] = "sessions_ended"
CONFLICTS = {
    "email_taken": "an account with this email already exists",
    "goc_number_taken": "an account with this GOC number already exists",
}


class SessionsEndedFrame(TypedDict):
    """For the server only (never sent on): the account's sessions before `epoch` end."""

    type: Literal["sessions_ended"]
    epoch: int


class RegistrantView(TypedDict):
    """API.md's `registrant`."""

    id: int
    email: str
    name: str
    goc_number: str
    profession: str
    role: str


@dataclass(frozen=True)
class NewRegistrant:
    email: str
    password: str
    name: str
    goc_number: str
    profession: str
    role: str = "registrant"


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > 200:
        return "must be at most 200 characters"
    if password.isalpha() or password.isdigit():
        return "must mix letters with digits or symbols"
    return None


def check_registration(data: dict[str, Any], role: str = "registrant") -> NewRegistrant:
    """Every field checked; all problems reported at once, keyed by field."""
    problems: dict[str, str] = {}
    fields = {k: data.get(k) for k in ("email", "password", "name", "goc_number", "profession")}
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            problems[key] = "is required"
    email = str(fields["email"] or "").strip().lower()
    if "email" not in problems and (len(email) > 254 or not EMAIL.match(email)):
        problems["email"] = "is not an email address"
    password = str(fields["password"] or "")
    if "password" not in problems and (problem := password_problem(password)):
        problems["password"] = problem
    name = " ".join(str(fields["name"] or "").split())
    if "name" not in problems and len(name) > 120:
        problems["name"] = "must be at most 120 characters"
    goc = normalise_goc_number(str(fields["goc_number"] or ""))
    if "goc_number" not in problems and goc is None:
        problems["goc_number"] = f"must look like {EXAMPLE} (as on the GOC register)"
    profession = str(fields["profession"] or "")
    if "profession" not in problems and profession not in PROFESSIONS:
        problems["profession"] = "must be one of " + ", ".join(PROFESSIONS)
    if role not in ROLES:
        problems["role"] = "must be registrant or moderator"
    if problems:
        raise BadInput("; ".join(f"{k} {v}" for k, v in problems.items()), "invalid_registration")
    return NewRegistrant(email, password, name, goc or "", profession, role)


async def taken(
    session: AsyncSession, email: str | None, goc_number: str | None, other_than: int = 0
) -> str | None:
    """The conflict code if another account has this email (any case) or number."""
    if email is not None:
        match = func.lower(Registrant.email) == email.lower()
        if await session.scalar(select(Registrant.id).where(match, Registrant.id != other_than)):
            return "email_taken"
    if goc_number is not None:
        match = Registrant.goc_number == goc_number
        if await session.scalar(select(Registrant.id).where(match, Registrant.id != other_than)):
            return "goc_number_taken"
    return None


async def refuse_if_taken(
    session: AsyncSession, email: str | None, goc_number: str | None, other_than: int = 0
) -> None:
    code = await taken(session, email, goc_number, other_than)
    if code is not None:
        raise Conflict(CONFLICTS[code], code)


async def write_unique(
    session: AsyncSession,
    change: Callable[[], object],
    email: str | None,
    goc_number: str | None,
    other_than: int = 0,
) -> None:
    """Make `change` and flush it in a savepoint; a unique constraint that refuses it
    (a racing account that committed meanwhile) becomes the 409 that names it."""
    try:
        async with session.begin_nested():
            change()
            await session.flush()
    except IntegrityError:
        await refuse_if_taken(session, email, goc_number, other_than)
        raise


async def create_registrant(
    session: AsyncSession, new: NewRegistrant, now: datetime, cost: Cost | None = None
) -> Registrant:
    # hashed before the first statement: SQLite's write lock is not held meanwhile
    hashed = await asyncio.to_thread(passwords(cost or Cost()).hash, new.password)
    await refuse_if_taken(session, new.email, new.goc_number)
    registrant = Registrant(
        email=new.email,
        password_hash=hashed,
        name=new.name,
        goc_number=new.goc_number,
        profession=new.profession,
        role=new.role,
        created_at=now,
    )
    await write_unique(session, lambda: session.add(registrant), new.email, new.goc_number)
    return registrant


async def register(
    session: AsyncSession, fields: dict[str, Any], now: datetime, cost: Cost | None = None
) -> Registrant:
    """Registration as a registrant sends it: every field judged (all problems at once,
    `invalid_registration`), then the account, or the 409 naming what is taken."""
    return await create_registrant(session, check_registration(fields), now, cost)


async def by_email(session: AsyncSession, email: str) -> Registrant | None:
    return await session.scalar(
        select(Registrant).where(func.lower(Registrant.email) == email.strip().lower())
    )


async def set_password_hash(session: AsyncSession, registrant_id: int, old: str, new: str) -> None:
    """A re-hash at sign-in: only if nobody changed the password meanwhile."""
    await session.execute(
        update(Registrant)
        .where(Registrant.id == registrant_id, Registrant.password_hash == old)
        .values(password_hash=new)
    )


async def end_sessions(session: AsyncSession, registrant_id: int) -> tuple[int, Aftermath]:
    """Every session of the account ends (sign-out, password change, disabling): the
    epoch in their cookies is no longer the account's, and their sockets close."""
    epoch = await session.scalar(
        update(Registrant)
        .where(Registrant.id == registrant_id)
        .values(session_epoch=Registrant.session_epoch + 1)
        .returning(Registrant.session_epoch)
    )
    if epoch is None:
        return 0, Aftermath()
    frame = SessionsEndedFrame(type=SESSIONS_ENDED, epoch=epoch)
    return epoch, Aftermath([Delivery(frame, registrant_id=registrant_id)])


async def change_password(
    session: AsyncSession, registrant_id: int, new_hash: str
) -> tuple[int, Aftermath]:
    """The new password, and every session ended (the caller re-issues its own)."""
    await session.execute(
        update(Registrant).where(Registrant.id == registrant_id).values(password_hash=new_hash)
    )
    return await end_sessions(session, registrant_id)


def registrant_frame(registrant: Registrant) -> RegistrantView:
    return {
        "id": registrant.id,
        "email": registrant.email,
        "name": registrant.name,
        "goc_number": registrant.goc_number,
        "profession": registrant.profession,
        "role": registrant.role,
    }
