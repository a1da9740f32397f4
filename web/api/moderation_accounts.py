"""Moderators and accounts (moderators only; 403 for everyone else):

GET   /api/moderation/registrants?q=&flagged=true     -> {registrants: [...]}
PATCH /api/moderation/registrants/{id}                {goc_number, reason} -> registrant
POST  /api/moderation/registrants/{id}/disable        {reason} -> registrant
POST  /api/moderation/registrants/{id}/enable         {reason} -> registrant
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.accounts import moderation as accounts
from peercet.accounts.moderation import MAX_QUERY
from peercet.core.db import transaction
from web.auth import require_moderator
from web.fields import Flag, Text
from web.http import Body, Query, path_int, read_body, read_query
from web.resources import resources


class AccountSearch(Query):
    """By email, name or GOC number (any way of writing it); `flagged`: only accounts
    sharing a number."""

    q: Annotated[Text, Field(max_length=MAX_QUERY)] = ""
    flagged: Flag = False


class Correction(Body):
    """peercet.accounts.moderation judges the number (`invalid_goc_number`) and
    peercet.core.audit the reason (`reason_required`), as for every moderator action."""

    field_codes = {"goc_number": "invalid_goc_number", "reason": "reason_required"}
    goc_number: Text = ""
    reason: Text = ""


class Reason(Body):
    field_codes = {"reason": "reason_required"}
    reason: Text = ""


async def search(request: Request) -> Response:
    await require_moderator(request)
    asked = read_query(request, AccountSearch)
    async with resources(request).sessions() as session:
        found = await accounts.find(session, asked.q, asked.flagged)
    return JSONResponse({"registrants": found})


async def correct(request: Request) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_body(request, Correction)
    rid = path_int(request, "id")
    async with transaction(res.sessions) as session:
        registrant = await accounts.correct_goc_number(
            session, moderator, rid, data.goc_number, data.reason, res.clock.now()
        )
        frame = await accounts.listed(session, registrant)
    return JSONResponse(frame)


async def _set_disabled(request: Request, disabled: bool) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_body(request, Reason)
    rid = path_int(request, "id")
    async with transaction(res.sessions) as session:
        registrant, aftermath = await accounts.set_disabled(
            session, moderator, rid, disabled, data.reason, res.clock.now()
        )
        frame = await accounts.listed(session, registrant)
    await res.effects(aftermath)
    return JSONResponse(frame)


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
