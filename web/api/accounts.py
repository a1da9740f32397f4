"""Registrants and the session: POST /api/registrants, /api/session, GET /api/me,
POST /api/me/password."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.accounts import registrants as accounts
from peercet.accounts import throttle
from peercet.accounts.passwords import passwords
from peercet.accounts.registrants import check_registration, create_registrant, registrant_frame
from peercet.core.db import transaction
from peercet.core.errors import BadInput, Forbidden, NotSignedIn
from peercet.core.tables import Registrant
from peercet.notify import inbox
from web.auth import clear_session, end_sessions, require_registrant, set_session
from web.clientaddr import client_address
from web.fields import Text
from web.http import Body, read_body
from web.resources import Resources, resources


class Registration(Body):
    """Text fields; `registrants.check_registration` judges them (all problems at once)."""

    email: Text | None = None
    password: Text | None = None
    name: Text | None = None
    goc_number: Text | None = None
    profession: Text | None = None


class Credentials(Body):
    email: Text
    password: Text


class PasswordChange(Body):
    """peercet.accounts.registrants.password_problem judges the new one (`invalid_password`)."""

    current_password: Text
    new_password: Text


async def register(request: Request) -> Response:
    res = resources(request)
    new = check_registration((await read_body(request, Registration)).model_dump())
    async with transaction(res.sessions) as session:
        registrant = await create_registrant(
            session, new, res.clock.now(), res.settings.password_cost
        )
    response = JSONResponse({"registrant": registrant_frame(registrant)}, status_code=201)
    set_session(response, request, registrant)
    return response


async def _password_matches(res: Resources, registrant: Registrant | None, password: str) -> bool:
    """One argon2 verification whether or not the account exists (same time to refuse);
    a right password on an old hash is re-hashed with today's scheme and costs."""
    hasher = passwords(res.settings.password_cost)
    stored = None if registrant is None else registrant.password_hash
    check = await asyncio.to_thread(hasher.check, stored, password)
    if registrant is None or not check.ok:
        return False
    if check.rehash:
        fresh = await asyncio.to_thread(hasher.hash, password)
        async with transaction(res.sessions) as session:
            old = registrant.password_hash
            await accounts.set_password_hash(session, registrant.id, old, fresh)
        registrant.password_hash = fresh
    return True


async def verified(
    request: Request, registrant: Registrant | None, email: str, password: str
) -> bool:
    """The password checked under the sign-in throttle of (account, client address)."""
    res = resources(request)
    client, now = client_address(request), res.clock.now()
    await throttle.check(res.redis, email, client, now)
    if not await _password_matches(res, registrant, password):
        await throttle.failed(res.redis, email, client, now)
        return False
    await throttle.succeeded(res.redis, email, client)
    return True


async def authenticate(request: Request, email: str, password: str) -> Registrant:
    """The account for these credentials; 401 when wrong, 429 after too many failures,
    403 `account_disabled` (only to whoever knows the password)."""
    async with resources(request).sessions() as session:
        registrant = await accounts.by_email(session, email)
    if not await verified(request, registrant, email, password) or registrant is None:
        raise NotSignedIn("wrong email or password", "wrong_credentials")
    if registrant.disabled_at is not None:
        raise Forbidden("this account has been disabled by the provider", "account_disabled")
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


async def change_password(request: Request) -> Response:
    """The registrant's new password: every other session ends, this one goes on
    with a fresh cookie. A wrong current password is 403 and counts as a failure."""
    registrant = await require_registrant(request)
    given = await read_body(request, PasswordChange)
    current, new = given.current_password, given.new_password
    if problem := accounts.password_problem(new):
        raise BadInput(f"new_password {problem}", "invalid_password")
    if not await verified(request, registrant, registrant.email, current):
        raise Forbidden("the current password is wrong", "wrong_password")
    res = resources(request)
    hashed = await asyncio.to_thread(passwords(res.settings.password_cost).hash, new)
    async with transaction(res.sessions) as session:
        registrant.session_epoch, aftermath = await accounts.change_password(
            session, registrant.id, hashed
        )
    await res.effects(aftermath)
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
