"""What the app holds for its lifetime, made in the lifespan (never at import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from peercet.core.clock import Clock
from peercet.core.context import Context
from peercet.core.publish import Effects
from peercet.core.settings import Settings


@dataclass
class Resources:
    """`context` (settings, clock, scheme time, links) is built once, in the lifespan,
    and handed to every action an endpoint calls."""

    context: Context
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    effects: Effects
    extras: dict[str, Any]

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def clock(self) -> Clock:
        return self.context.clock


def resources(conn: HTTPConnection) -> Resources:
    res: Resources = conn.state.resources
    return res
