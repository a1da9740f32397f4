"""Moderators and accounts (moderators only; 403 for everyone else):

GET   /api/moderation/registrants?q=&flagged=true     -> {registrants: [...]}
PATCH /api/moderation/registrants/{id}                {goc_number, reason} -> registrant
POST  /api/moderation/registrants/{id}/disable        {reason} -> registrant
POST  /api/moderation/registrants/{id}/enable         {reason} -> registrant
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet import registrant_moderation as accounts
from peercet.db import transaction
from peercet.errors import BadInput
from web.auth import require_moderator
from web.http import path_int, read_json
from web.resources import resources

MAX_QUERY = 200


async def search(request: Request) -> Response:
    await require_moderator(request)
    q = request.query_params.get("q", "")
    if len(q) > MAX_QUERY:
        raise BadInput(f"q is at most {MAX_QUERY} characters", "bad_input")
    flagged = request.query_params.get("flagged", "").lower() in ("true", "1", "yes")
    async with resources(request).sessions() as session:
        found = await accounts.find(session, q, flagged)
    return JSONResponse({"registrants": found})


async def correct(request: Request) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_json(request)
    rid = path_int(request, "id")
    async with transaction(res.sessions) as session:
        registrant = await accounts.correct_goc_number(
            session, moderator, rid, data.get("goc_number"), data.get("reason"), res.clock.now()
        )
        shared = registrant.goc_number in await accounts.shared_numbers(session)
    return JSONResponse(accounts.moderator_frame(registrant, shared))


async def _set_disabled(request: Request, disabled: bool) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_json(request)
    rid = path_int(request, "id")
    async with transaction(res.sessions) as session:
        registrant, outcome = await accounts.set_disabled(
            session, moderator, rid, disabled, data.get("reason"), res.clock.now()
        )
        shared = registrant.goc_number in await accounts.shared_numbers(session)
    await res.effects(outcome)
    return JSONResponse(accounts.moderator_frame(registrant, shared))


async def disable(request: Request) -> Response:
    return await _set_disabled(request, True)


async def enable(request: Request) -> Response:
    return await _set_disabled(request, False)


routes = [
    Route("/api/moderation/registrants", search, methods=["GET"]),
    Route("/api/moderation/registrants/{id}", correct, methods=["PATCH"]),
    Route("/api/moderation/registrants/{id}/disable", disable, methods=["POST"]),
    Route("/api/moderation/registrants/{id}/enable", enable, methods=["POST"]),
]
