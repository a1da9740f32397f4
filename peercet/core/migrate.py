"""Running Alembic from code: `peercet db upgrade` and the tests use the same path."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

INI = Path(__file__).parent.parent / "alembic.ini"


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(INI))
    if url:
        config.attributes["url"] = url
    return config


def alembic_upgrade(url: str | None = None) -> None:
    """Synchronous: for callers with no running event loop (Alembic starts its own)."""
    command.upgrade(alembic_config(url), "head")


async def upgrade(url: str | None = None) -> None:
    """Apply every migration (idempotent). Alembic's env runs its own event loop,
    so it runs in a thread when called from async code."""
    await asyncio.to_thread(alembic_upgrade, url)
