"""The session cookie (itsdangerous, key rotation) and who is asking.

A cookie that is missing, tampered with, expired or signed by an unknown key simply
means "anonymous". Cookies are HttpOnly, SameSite=Lax, and Secure whenever the site
is served over HTTPS (the request's scheme, which uvicorn takes from a trusted
proxy's X-Forwarded-Proto, or a BASE_URL starting with https).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response

from peercet.accounts import registrants as accounts
from peercet.accounts import sessions
from peercet.accounts.signin import Gate
from peercet.core import signing
from peercet.core.db import transaction
from peercet.core.errors import Forbidden, NotSignedIn
from peercet.core.tables import Registrant
from web.resources import Resources, resources
from web.security.clientaddr import client_address

COOKIE = "peercet_session"
MAX_AGE = 14 * 24 * 3600


def is_https(conn: HTTPConnection) -> bool:
    base = resources(conn).settings.base_url
    return conn.url.scheme in ("https", "wss") or base.startswith("https://")


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def session_claim(conn: HTTPConnection) -> tuple[int, int] | None:
    """(registrant id, session epoch) from a valid cookie; None means anonymous."""
    token = conn.cookies.get(COOKIE)
    if not token:
        return None
    res = resources(conn)
    data: Any = signing.loads(res.settings.secret_keys, signing.SESSION, token, MAX_AGE, res.clock)
    if not isinstance(data, dict):
        return None
    rid, epoch = _whole(data.get("rid")), _whole(data.get("e", 0))
    return None if rid is None or epoch is None else (rid, epoch)


def set_cookie(response: Response, conn: HTTPConnection, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=is_https(conn),
        path="/",
    )


def set_session(response: Response, conn: HTTPConnection, registrant: Registrant) -> None:
    res = resources(conn)
    data = {"rid": registrant.id, "e": registrant.session_epoch}
    token = signing.dumps(res.settings.secret_keys, signing.SESSION, data, res.clock)
    set_cookie(response, conn, COOKIE, token)


async def end_sessions(conn: HTTPConnection) -> None:
    """Signing out ends every session of the account: its cookies, copies included,
    and its open sockets on every web process (closed with 4401)."""
    registrant = await current_registrant(conn)
    if registrant is None:
        return
    res = resources(conn)
    async with transaction(res.sessions) as session:
        _, aftermath = await accounts.end_sessions(session, registrant.id)
    await res.effects(aftermath)


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


async def current_registrant(conn: HTTPConnection) -> Registrant | None:
    """The signed-in registrant, loaded once per request."""
    if "registrant" in conn.scope:
        cached: Registrant | None = conn.scope["registrant"]
        return cached
    registrant = None
    claim = session_claim(conn)
    if claim is not None:
        async with resources(conn).sessions() as session:
            registrant = await sessions.signed_in(session, *claim)
    conn.scope["registrant"] = registrant
    return registrant


async def session_alive(res: Resources, registrant_id: int, epoch: int) -> bool:
    """Asked again once a socket listens for the end of its session: a sign-out
    between the handshake's check and then would otherwise go unheard."""
    async with res.sessions() as session:
        return await sessions.session_alive(session, registrant_id, epoch)


def gate(conn: HTTPConnection) -> Gate:
    """What a password check needs from this request (peercet.accounts.signin)."""
    res = resources(conn)
    cost, now = res.settings.password_cost, res.clock.now()
    return Gate(res.sessions, res.redis, cost, client_address(conn), now)


async def require_registrant(conn: HTTPConnection) -> Registrant:
    registrant = await current_registrant(conn)
    if registrant is None:
        raise NotSignedIn("sign in first")
    return registrant


async def require_moderator(conn: HTTPConnection) -> Registrant:
    registrant = await require_registrant(conn)
    if registrant.role != "moderator":
        raise Forbidden("moderators only", "moderators_only")
    return registrant
