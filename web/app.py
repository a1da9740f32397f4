"""The Starlette application: resources in the lifespan, routes from each module."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from matching.pairing import matching_effects
from matching.rebuild import start_queues
from peercet.clock import Clock, SystemClock
from peercet.db import create_engine, session_factory
from peercet.settings import Settings, load_settings
from web import (
    api_accounts,
    api_catalogue,
    api_completions,
    api_discussions,
    api_matching,
    api_moderation,
    api_moderation_accounts,
    health,
    live,
    pages_account,
    pages_accounts,
    pages_catalogue,
    pages_certificates,
    pages_moderation,
    pages_moderation_accounts,
    ws,
)
from web.errors import EXCEPTION_HANDLERS
from web.origin import OriginCheck
from web.resources import Resources
from web.templating import STATIC_DIR

log = logging.getLogger("peercet")


def all_routes() -> list[BaseRoute]:
    return [
        *health.routes,
        *api_accounts.routes,
        *api_catalogue.routes,
        *api_completions.routes,
        *api_discussions.routes,
        *api_matching.routes,
        *api_moderation.routes,
        *api_moderation_accounts.routes,
        *ws.routes,
        *pages_accounts.routes,
        *pages_catalogue.routes,
        *pages_account.routes,
        *pages_certificates.routes,
        *pages_moderation.routes,
        *pages_moderation_accounts.routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Starlette:
    settings = settings or load_settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        if settings.uses_dev_key:
            log.warning("SECRET_KEYS is not set: signing cookies with the DEVELOPMENT key")
        engine = create_engine(settings.database_url)
        redis = Redis.from_url(settings.redis_url)
        sessions = session_factory(engine, info={"settings": settings})
        jobs = ArqRedis(redis.connection_pool)
        effects = matching_effects(sessions, redis, clock, settings.timezone, jobs)
        res = Resources(settings, engine, sessions, redis, effects, clock, {})
        try:
            await start_queues(sessions, redis, clock.now(), settings.timezone)
            async with live.serve(res):
                yield {"resources": res}
        finally:
            await redis.aclose()
            await engine.dispose()

    return Starlette(
        routes=all_routes(),
        middleware=[
            Middleware(ws.Direct, allowed=settings.allowed_origins),
            Middleware(OriginCheck, allowed=settings.allowed_origins),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )


def __getattr__(name: str) -> Any:
    """`uvicorn web.app:app` builds the app on first use, not at import."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
