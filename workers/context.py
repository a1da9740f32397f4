"""What the worker holds for its lifetime, made in `on_startup` and kept in arq's ctx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from matching.pairing import matching_effects
from peercet.core.clock import Clock
from peercet.core.db import create_engine, session_factory
from peercet.core.publish import Effects
from peercet.core.settings import Settings
from peercet.notify.mailer import Transport, transport_for

KEY = "resources"


@dataclass
class WorkerResources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    effects: Effects
    clock: Clock
    transport: Transport


def open_resources(
    settings: Settings,
    redis: ArqRedis,
    clock: Clock,
    transport: Transport | None = None,
) -> WorkerResources:
    """The engine, sessions and after-commit effects (deliveries, queues, deadline jobs)."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine, info={"settings": settings})
    effects = matching_effects(sessions, redis, clock, settings.timezone, jobs=redis)
    return WorkerResources(
        settings, engine, sessions, redis, effects, clock, transport or transport_for(settings)
    )


def resources(ctx: dict[str, Any]) -> WorkerResources:
    res: WorkerResources = ctx[KEY]
    return res
