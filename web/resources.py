"""What the app holds for its lifetime, made in the lifespan (never at import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from peercet.core.clock import Clock
from peercet.core.publish import Effects
from peercet.core.settings import Settings


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    effects: Effects
    clock: Clock
    extras: dict[str, Any]


def resources(conn: HTTPConnection) -> Resources:
    res: Resources = conn.state.resources
    return res
