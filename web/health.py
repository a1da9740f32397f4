"""GET /healthz: 200 when the database and Redis answer, 503 otherwise."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.resources import resources

TIMEOUT = 2.0


async def healthz(request: Request) -> Response:
    res = resources(request)
    checks = {"database": False, "redis": False}
    try:
        async with asyncio.timeout(TIMEOUT), res.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:
        pass
    try:
        async with asyncio.timeout(TIMEOUT):
            checks["redis"] = bool(await res.redis.ping())
    except Exception:
        pass
    status = 200 if all(checks.values()) else 503
    return JSONResponse({"ok": status == 200, **checks}, status_code=status)


routes = [Route("/healthz", healthz, methods=["GET"])]
