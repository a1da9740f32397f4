"""Fixtures: a real redis-server and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import hypothesis
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core import migrate
from peercet.core.db import create_engine, session_factory
from peercet.core.settings import Settings, load_settings
from peercet.core.tables import Base
from tests.support.factories import CHEAP_PASSWORDS
from tests.support.services import Inbox, postgres_database, redis_server, smtp_server

BACKENDS = ["sqlite", "postgresql"]

# No per-example deadline: an example's time depends on the machine and its load, and a
# property is about what the code does, not how fast (benchmarks measure speed).
hypothesis.settings.register_profile("peercet", deadline=None)
hypothesis.settings.load_profile("peercet")
TIERS = ("rules", "flows", "transport", "browser", "processes")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with its tier (its directory): `scripts/test -m rules`."""
    for item in items:
        tier = item.path.parent.name
        if tier in TIERS:
            item.add_marker(tier)


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
async def redis_url(redis_server_url: str) -> str:
    client = Redis.from_url(redis_server_url)
    await client.flushall()
    await client.aclose()
    return redis_server_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate.alembic_upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    with postgres_database() as url:
        migrate.alembic_upgrade(url)
        yield url


async def _truncate(url: str) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind, fresh for every test."""
    if request.param == "sqlite":
        path = tmp_path / "peercet.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_template")
    asyncio.run(_truncate(url))
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEYS": "test-key-new,test-key-old",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            **CHEAP_PASSWORDS,
        }
    )


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    """A real SMTP server (aiosmtpd) on a free port, keeping what it receives."""
    inbox = Inbox()
    with smtp_server(inbox) as url:
        yield inbox, url
