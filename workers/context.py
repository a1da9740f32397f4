"""What the worker holds for its lifetime, made in `on_startup` and kept in arq's ctx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from matching.pairing import matching_effects
from peercet.core.clock import Clock
from peercet.core.context import Context
from peercet.core.db import create_engine, session_factory
from peercet.core.publish import Effects
from peercet.core.settings import Settings
from peercet.notify.mailer import Transport, transport_for

KEY = "resources"


@dataclass
class WorkerResources:
    """`context` (settings, clock, scheme time, links) is built once, at start-up, and
    handed to every duty (not arq's `ctx`, the dict this lives in under KEY)."""

    context: Context
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    effects: Effects
    transport: Transport

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def clock(self) -> Clock:
        return self.context.clock


def open_resources(
    settings: Settings,
    redis: ArqRedis,
    clock: Clock,
    transport: Transport | None = None,
) -> WorkerResources:
    """The engine, sessions and after-commit effects (deliveries, queues, deadline jobs)."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    context = Context(settings, clock)
    effects = matching_effects(sessions, redis, context, jobs=redis)
    return WorkerResources(
        context, engine, sessions, redis, effects, transport or transport_for(settings)
    )


def resources(ctx: dict[str, Any]) -> WorkerResources:
    res: WorkerResources = ctx[KEY]
    return res
