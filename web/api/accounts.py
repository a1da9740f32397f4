"""Registrants and the session: POST /api/registrants, /api/session, GET /api/me,
POST /api/me/password."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.accounts import signin
from peercet.accounts.registrants import register as register_account
from peercet.accounts.registrants import registrant_frame
from peercet.core.db import transaction
from peercet.notify import inbox
from web.auth import clear_session, end_sessions, gate, require_registrant, set_session
from web.fields import Text
from web.http import Body, read_body
from web.resources import resources
from web.schemas import Credentials, Registration


class PasswordChange(Body):
    """peercet.accounts.registrants.password_problem judges the new one (`invalid_password`)."""

    current_password: Text
    new_password: Text


async def register(request: Request) -> Response:
    res = resources(request)
    fields = (await read_body(request, Registration)).model_dump()
    async with transaction(res.sessions) as session:
        now, cost = res.clock.now(), res.settings.password_cost
        registrant = await register_account(session, fields, now, cost)
    response = JSONResponse({"registrant": registrant_frame(registrant)}, status_code=201)
    set_session(response, request, registrant)
    return response


async def sign_in(request: Request) -> Response:
    given = await read_body(request, Credentials)
    registrant = await signin.sign_in(gate(request), given.email, given.password)
    response = JSONResponse({"registrant": registrant_frame(registrant)})
    set_session(response, request, registrant)
    return response


async def sign_out(request: Request) -> Response:
    await end_sessions(request)
    response = Response(status_code=204)
    clear_session(response)
    return response


async def change_password(request: Request) -> Response:
    """Every other session ends, this one goes on with a fresh cookie."""
    registrant = await require_registrant(request)
    given = await read_body(request, PasswordChange)
    current, new = given.current_password, given.new_password
    aftermath = await signin.change_password(gate(request), registrant, current, new)
    await resources(request).effects(aftermath)
    response = JSONResponse({"registrant": registrant_frame(registrant)})
    set_session(response, request, registrant)
    return response


async def me(request: Request) -> Response:
    registrant = await require_registrant(request)
    async with resources(request).sessions() as session:
        notes = await inbox.notifications_of(session, registrant.id, limit=50)
    notifications = [inbox.notification_frame(n) for n in notes]
    return JSONResponse(
        {"registrant": registrant_frame(registrant), "notifications": notifications}
    )


routes = [
    Route("/api/registrants", register, methods=["POST"]),
    Route("/api/session", sign_in, methods=["POST"]),
    Route("/api/session", sign_out, methods=["DELETE"]),
    Route("/api/me", me, methods=["GET"]),
    Route("/api/me/password", change_password, methods=["POST"]),
]
