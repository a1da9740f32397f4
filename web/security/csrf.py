"""CSRF tokens for HTML forms, on top of the Origin check and SameSite=Lax.

A random value lives in an HttpOnly cookie; each form carries that value signed
(salt "csrf"). A POST is accepted only when the signed field matches the cookie, so
a page on another site can neither read nor forge the pair. Sign-in and register
forms are covered too (no login CSRF).

`checked_form` reads a form only after what can be judged without it: a post without
this site's CSRF cookie is refused (403) before a byte of its body is read, and a
body over `MAX_FORM` (64 KiB, whatever its Content-Length says) is refused (413) as it
is read, so a hostile upload never makes the server parse megabytes. Forms here carry
no files: a file part is refused too.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Message

from peercet.core import signing
from peercet.core.errors import BadInput, Forbidden, TooLarge
from web.auth import MAX_AGE, set_cookie
from web.resources import resources

COOKIE = "peercet_csrf"
FIELD = "csrf_token"
NEW = "csrf_new"
MAX_FORM = 64 * 1024
MAX_FIELDS = 200


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
        raise _refused()


def _refused() -> Forbidden:
    return Forbidden(
        "this form has expired or did not come from this site: reload it and try again",
        "bad_csrf",
    )


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM:
        raise TooLarge(f"the form is over {MAX_FORM} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise TooLarge(f"the form is over {MAX_FORM} bytes")
    return bytes(body)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked; refused before the body is read
    when the cookie the token must match is missing, and while reading when too large."""
    if not request.cookies.get(COOKIE):
        raise _refused()
    body = await _body(request)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=0, max_fields=MAX_FIELDS)
    except HTTPException as exc:  # python-multipart's refusals: too many files or fields
        raise BadInput(str(exc.detail), "bad_form") from exc
    check(request, form)
    return form
