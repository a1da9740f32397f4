"""The Starlette application: resources in the lifespan, routes from each module."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from arq.connections import ArqRedis
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from matching.pairing import matching_effects
from matching.rebuild import start_queues
from peercet.core.clock import Clock, SystemClock
from peercet.core.context import Context
from peercet.core.db import create_engine, session_factory
from peercet.core.settings import Settings, load_settings, require_secret_keys
from web import health
from web.api import accounts as api_accounts
from web.api import catalogue as api_catalogue
from web.api import completions as api_completions
from web.api import cycle as api_cycle
from web.api import discussions as api_discussions
from web.api import matching as api_matching
from web.api import moderation as api_moderation
from web.api import moderation_accounts as api_moderation_accounts
from web.api import record as api_record
from web.errors import EXCEPTION_HANDLERS
from web.pages import account as pages_account
from web.pages import catalogue as pages_catalogue
from web.pages import certificates as pages_certificates
from web.pages import cycle as pages_cycle
from web.pages import discussion as pages_discussion
from web.pages import moderation as pages_moderation
from web.pages import moderation_accounts as pages_moderation_accounts
from web.pages import registration as pages_accounts
from web.resources import Resources
from web.security.headers import SecurityHeaders
from web.security.origin import OriginCheck, allowed_origins
from web.templating import STATIC_DIR
from web.ws import endpoint as ws
from web.ws import live

log = logging.getLogger("peercet")


def all_routes() -> list[BaseRoute]:
    return [
        *health.routes,
        *api_accounts.routes,
        *api_catalogue.routes,
        *api_completions.routes,
        *api_cycle.routes,
        *api_discussions.routes,
        *api_matching.routes,
        *api_moderation.routes,
        *api_moderation_accounts.routes,
        *api_record.routes,
        *ws.routes,
        *pages_accounts.routes,
        *pages_catalogue.routes,
        *pages_account.routes,
        *pages_cycle.routes,
        *pages_certificates.routes,
        *pages_discussion.routes,
        *pages_moderation.routes,
        *pages_moderation_accounts.routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


class Peercet(Starlette):
    """Starlette with two layers outside even its last-resort error handler: forwarded
    headers believed only from `TRUSTED_PROXIES`, then the security headers."""

    def __init__(self, settings: Settings, **kw: Any) -> None:
        self.settings = settings
        super().__init__(**kw)

    def build_middleware_stack(self) -> ASGIApp:
        origins = allowed_origins(self.settings)
        https = self.settings.base_url.startswith("https://")
        app: Any = SecurityHeaders(super().build_middleware_stack(), origins, https)
        # uvicorn types ASGI apps its own way; both are the same ASGI 3 callable
        proxied = ProxyHeadersMiddleware(app, trusted_hosts=self.settings.trusted_proxies)
        return cast(ASGIApp, proxied)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Starlette:
    settings = require_secret_keys(settings or load_settings())
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = create_engine(settings.database_url)
        redis = Redis.from_url(settings.redis_url)
        sessions = session_factory(engine)
        jobs = ArqRedis(redis.connection_pool)
        ctx = Context(settings, clock)
        effects = matching_effects(sessions, redis, ctx, jobs)
        res = Resources(ctx, engine, sessions, redis, effects, {})
        try:
            await start_queues(sessions, redis, ctx, effects.publisher)
            async with live.serve(res):
                yield {"resources": res}
        finally:
            await redis.aclose()
            await engine.dispose()

    origins = allowed_origins(settings)
    return Peercet(
        settings,
        routes=all_routes(),
        middleware=[
            Middleware(ws.Direct, allowed=origins),
            Middleware(OriginCheck, allowed=origins),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )


def __getattr__(name: str) -> Any:
    """`uvicorn web.app:app` builds the app on first use, not at import."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
