"""Migration 0006 on a database that already holds accounts: numbers rewritten in
their canonical form, accounts already sharing one kept (never merged) and flagged
for moderators, and from then on no second account on a number."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import column, insert, select, table

from peercet.accounts import moderation as registrant_moderation
from peercet.accounts.registrants import check_registration, create_registrant
from peercet.core import migrate
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.errors import Conflict
from peercet.core.tables import Registrant
from tests.conftest import BACKENDS
from tests.support import factories as f
from tests.support.services import postgres_database

BEFORE = [  # (email, number as written before 0006), oldest first
    ("first@example.test", "01 12345"),
    ("second@example.test", "01-12345"),
    ("third@example.test", "0112345"),
    ("other@example.test", "10\u20134567"),
    ("odd@example.test", " not-a-number "),
]


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
        return
    with postgres_database() as url:
        yield url


async def _seed_before(url: str) -> None:
    """Rows as revision 0004 knew them (no duplicate or disabled column yet)."""
    rows = [
        {"email": email, "password_hash": "-", "name": email, "goc_number": number,
         "profession": "optometrist", "role": "registrant", "created_at": f.T0.replace(minute=i)}
        for i, (email, number) in enumerate(BEFORE)
    ]  # fmt: skip
    then = table("registrants", *(column(name) for name in rows[0]))
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(then), rows)
    finally:
        await engine.dispose()


async def _after(url: str) -> dict[str, tuple[str, int]]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            found = await session.execute(
                select(Registrant.email, Registrant.goc_number, Registrant.goc_number_duplicate)
            )
            numbers = {email: (number, dup) for email, number, dup in found}
        new = check_registration({"email": "fourth@example.test", "password": f.PASSWORD,
                                  "name": "Late", "goc_number": "01-12345",
                                  "profession": "optometrist"})  # fmt: skip
        with pytest.raises(Conflict) as refused:
            async with transaction(sessions) as session:
                await create_registrant(session, new, f.T0, f.CHEAP)
        assert refused.value.code == "goc_number_taken"
        async with sessions() as session:
            flagged = await registrant_moderation.find(session, "", flagged=True)
        assert sorted(r["email"] for r in flagged) == [
            "first@example.test",
            "second@example.test",
            "third@example.test",
        ]
        return numbers
    finally:
        await engine.dispose()


def test_existing_numbers_are_made_canonical_and_shared_ones_flagged(empty_url: str) -> None:
    command.upgrade(migrate.alembic_config(empty_url), "0004")
    asyncio.run(_seed_before(empty_url))
    migrate.alembic_upgrade(empty_url)
    assert asyncio.run(_after(empty_url)) == {
        "first@example.test": ("01-12345", 0),
        "second@example.test": ("01-12345", 1),
        "third@example.test": ("01-12345", 2),
        "other@example.test": ("10-4567", 0),
        "odd@example.test": ("not-a-number", 0),
    }
