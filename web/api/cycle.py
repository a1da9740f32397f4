"""GET /api/me/cycle: the registrant's progress towards a cycle's requirements; and
GET /api/moderation/cycle: every registrant's, in aggregate (moderators only)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.cycles.report import cycle_report
from peercet.cycles.standing import standing_frame, standing_of
from web.auth import require_moderator, require_registrant
from web.http import asked_cycle
from web.resources import resources


async def my_cycle(request: Request) -> Response:
    """`?cycle=2025-2027`, by default the current cycle by the clock; 400 `bad_cycle`."""
    who = await require_registrant(request)
    res = resources(request)
    label, years = asked_cycle(request)
    async with res.sessions() as session:
        now = res.clock.now()
        standing = await standing_of(session, who, label, years, now, res.settings)
    return JSONResponse(standing_frame(standing))


async def all_cycles(request: Request) -> Response:
    """The report of `peercet report cycle`, for `?cycle=` (default: the current)."""
    await require_moderator(request)
    res = resources(request)
    now = res.clock.now()
    label, years = asked_cycle(request)
    async with res.sessions() as session:
        return JSONResponse(await cycle_report(session, label, years, now, res.settings))


routes = [
    Route("/api/me/cycle", my_cycle, methods=["GET"]),
    Route("/api/moderation/cycle", all_cycles, methods=["GET"]),
]
