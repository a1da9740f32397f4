"""CSRF tokens for HTML forms, on top of the Origin check and SameSite=Lax.

A random value lives in an HttpOnly cookie; each form carries that value signed
(salt "csrf"). A POST is accepted only when the signed field matches the cookie, so
a page on another site can neither read nor forge the pair. Sign-in and register
forms are covered too (no login CSRF).
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.requests import HTTPConnection
from starlette.responses import Response

from peercet import signing
from peercet.errors import Forbidden
from web.auth import MAX_AGE, set_cookie
from web.resources import resources

COOKIE = "peercet_csrf"
FIELD = "csrf_token"
NEW = "csrf_new"


def _value(conn: HTTPConnection) -> str:
    value = conn.cookies.get(COOKIE) or conn.scope.get(NEW)
    if not value:
        value = secrets.token_urlsafe(24)
        conn.scope[NEW] = value
    return str(value)


def token(conn: HTTPConnection) -> str:
    """The hidden field's value for forms on this page."""
    res = resources(conn)
    return signing.dumps(res.settings.secret_keys, signing.CSRF, _value(conn), res.clock)


def remember(conn: HTTPConnection, response: Response) -> None:
    """Set the cookie when this request made a new value."""
    new = conn.scope.get(NEW)
    if new:
        set_cookie(response, conn, COOKIE, str(new))


def check(conn: HTTPConnection, form: FormData) -> None:
    """403 unless the form's token was signed here for this browser's cookie."""
    res = resources(conn)
    sent, cookie = form.get(FIELD), conn.cookies.get(COOKIE)
    value = None
    if isinstance(sent, str) and cookie:
        value = signing.loads(res.settings.secret_keys, signing.CSRF, sent, MAX_AGE, res.clock)
    if not cookie or value != cookie:
        raise Forbidden(
            "this form has expired or did not come from this site: reload it and try again",
            "bad_csrf",
        )
