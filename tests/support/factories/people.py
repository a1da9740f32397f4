"""Registrants and moderators, each with PASSWORD (hashed once, cheaply, per process)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.accounts.passwords import Cost, passwords
from peercet.core.tables import Registrant
from tests.support.factories.scheme import T0, numbers

PASSWORD = "correct-horse-1"

# argon2id made cheap for tests (the settings fixture and web processes use it too)
CHEAP = Cost(time_cost=1, memory_kib=8, parallelism=1)
CHEAP_PASSWORDS = {
    "PASSWORD_TIME_COST": str(CHEAP.time_cost),
    "PASSWORD_MEMORY_KIB": str(CHEAP.memory_kib),
    "PASSWORD_PARALLELISM": str(CHEAP.parallelism),
}


@functools.cache
def _password_hash() -> str:
    return passwords(CHEAP).hash(PASSWORD)


async def registrant(
    session: AsyncSession, profession: str = "optometrist", role: str = "registrant", **kw: Any
) -> Registrant:
    """A registrant whose password is PASSWORD (`email`, `name`, `goc_number` and `now`
    may be given; each made one has its own GOC number)."""
    n = next(numbers)
    person = Registrant(
        email=kw.get("email", f"person{n}@example.test"),
        password_hash=_password_hash(),
        name=kw.get("name", f"Person {n}"),
        goc_number=kw.get("goc_number", f"04-{n:06d}"),
        profession=profession,
        role=role,
        created_at=kw.get("now", T0),
    )
    session.add(person)
    await session.flush()
    return person


async def someone(sessions: async_sessionmaker[AsyncSession], role: str = "registrant") -> int:
    """A registrant (or moderator) committed on its own; its id."""
    async with sessions() as session, session.begin():
        return (await registrant(session, role=role)).id
