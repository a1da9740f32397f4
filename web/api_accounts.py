"""Registrants and the session: POST /api/registrants, /api/session, GET /api/me."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet import reads, throttle
from peercet.accounts import (
    check_registration,
    create_registrant,
    registrant_frame,
    verify_password,
)
from peercet.db import transaction
from peercet.errors import NotSignedIn
from peercet.tables import Registrant
from web.auth import clear_session, end_sessions, require_registrant, set_session
from web.clientaddr import client_address
from web.fields import Text
from web.http import Body, read_body
from web.resources import resources


class Registration(Body):
    """Text fields; peercet.accounts.check_registration judges them (all problems at once)."""

    email: Text | None = None
    password: Text | None = None
    name: Text | None = None
    goc_number: Text | None = None
    profession: Text | None = None


class Credentials(Body):
    email: Text
    password: Text


async def register(request: Request) -> Response:
    res = resources(request)
    new = check_registration((await read_body(request, Registration)).model_dump())
    async with transaction(res.sessions) as session:
        registrant = await create_registrant(session, new, res.clock.now())
    response = JSONResponse({"registrant": registrant_frame(registrant)}, status_code=201)
    set_session(response, request, registrant)
    return response


async def authenticate(request: Request, email: str, password: str) -> Registrant:
    """The account for these credentials; 401 when wrong, 429 after too many failures."""
    res = resources(request)
    client = client_address(request)
    await throttle.check(res.redis, email, client)
    async with res.sessions() as session:
        registrant = await session.scalar(
            select(Registrant).where(func.lower(Registrant.email) == email.strip().lower())
        )
    if registrant is None or not verify_password(password, registrant.password_hash):
        await throttle.failed(res.redis, email, client)
        raise NotSignedIn("wrong email or password", "wrong_credentials")
    await throttle.succeeded(res.redis, email)
    return registrant


async def sign_in(request: Request) -> Response:
    given = await read_body(request, Credentials)
    registrant = await authenticate(request, given.email, given.password)
    response = JSONResponse({"registrant": registrant_frame(registrant)})
    set_session(response, request, registrant)
    return response


async def sign_out(request: Request) -> Response:
    await end_sessions(request)
    response = Response(status_code=204)
    clear_session(response)
    return response


async def me(request: Request) -> Response:
    registrant = await require_registrant(request)
    async with resources(request).sessions() as session:
        notes = await reads.notifications_of(session, registrant.id, limit=50)
    notifications = [reads.notification_frame(n) for n in notes]
    return JSONResponse(
        {"registrant": registrant_frame(registrant), "notifications": notifications}
    )


routes = [
    Route("/api/registrants", register, methods=["POST"]),
    Route("/api/session", sign_in, methods=["POST"]),
    Route("/api/session", sign_out, methods=["DELETE"]),
    Route("/api/me", me, methods=["GET"]),
]
