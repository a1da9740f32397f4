"""The session cookie (itsdangerous, key rotation) and who is asking.

A cookie that is missing, tampered with, expired or signed by an unknown key simply
means "anonymous".
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from peercet.errors import Forbidden, NotSignedIn
from peercet.settings import Settings
from peercet.tables import Registrant
from web.resources import resources

COOKIE = "peercet_session"
MAX_AGE = 14 * 24 * 3600
SALT = "session"


def serializer(settings: Settings, salt: str = SALT) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts all; SECRET_KEYS lists newest first.
    return URLSafeTimedSerializer(list(reversed(settings.secret_keys)), salt=salt)


def session_registrant_id(conn: HTTPConnection) -> int | None:
    token = conn.cookies.get(COOKIE)
    if not token:
        return None
    try:
        data: Any = serializer(resources(conn).settings).loads(token, max_age=MAX_AGE)
    except BadSignature:
        return None
    rid = data.get("rid") if isinstance(data, dict) else None
    return rid if isinstance(rid, int) else None


def set_session(response: Response, conn: HTTPConnection, registrant: Registrant) -> None:
    token = serializer(resources(conn).settings).dumps({"rid": registrant.id})
    response.set_cookie(
        COOKIE,
        token,
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=conn.url.scheme in ("https", "wss"),
        path="/",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


async def current_registrant(conn: HTTPConnection) -> Registrant | None:
    """The signed-in registrant, loaded once per request."""
    if "registrant" in conn.scope:
        cached: Registrant | None = conn.scope["registrant"]
        return cached
    registrant = None
    rid = session_registrant_id(conn)
    if rid is not None:
        async with resources(conn).sessions() as session:
            registrant = await session.get(Registrant, rid)
    conn.scope["registrant"] = registrant
    return registrant


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
