"""Forms are judged before they are read (issue 17.8): no CSRF cookie is 403 before a
byte of the body is read, a body over 64 KiB is 413 as it is read, files are refused."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.types import Message

from peercet.core.errors import Forbidden, TooLarge
from peercet.core.settings import Settings
from tests.support.web_helpers import app_client
from tests.transport.test_pages import token
from web.security import csrf

CHUNK = 16 * 1024


class Endless:
    """A client that would send a form body forever; counts what was read of it."""

    def __init__(self) -> None:
        self.reads = 0

    async def __call__(self) -> Message:
        self.reads += 1
        return {"type": "http.request", "body": b"a=" + b"x" * (CHUNK - 2), "more_body": True}


def _post(cookie: bool, length: int | None = None) -> tuple[Request, Endless]:
    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    if cookie:
        headers.append((b"cookie", f"{csrf.COOKIE}=some-value".encode()))
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {"type": "http", "method": "POST", "path": "/signin", "headers": headers}
    body = Endless()
    return Request(scope, body), body


async def test_a_form_without_the_csrf_cookie_is_refused_before_its_body_is_read() -> None:
    request, body = _post(cookie=False)
    with pytest.raises(Forbidden):
        await csrf.checked_form(request)
    assert body.reads == 0


async def test_a_form_too_large_is_refused_unread_or_as_soon_as_it_is_over() -> None:
    request, body = _post(cookie=True, length=50 * 1024 * 1024)
    with pytest.raises(TooLarge):
        await csrf.checked_form(request)
    assert body.reads == 0  # the declared length says enough
    request, body = _post(cookie=True)  # chunked: no length declared
    with pytest.raises(TooLarge):
        await csrf.checked_form(request)
    assert body.reads == csrf.MAX_FORM // CHUNK + 1  # stopped at the first byte over


def test_through_the_app_too_large_is_413_and_files_are_400(settings: Settings) -> None:
    with app_client(settings) as client:
        good = token(client, "/signin")
        big = client.post("/signin", data={"csrf_token": good, "email": "x" * (65 * 1024)})
        assert big.status_code == 413
        upload = client.post(
            "/signin", data={"csrf_token": good}, files={"f": ("a.txt", b"hello", "text/plain")}
        )
        assert upload.status_code == 400 and "files" in upload.text
        client.cookies.clear()
        anonymous = client.post("/signin", data={"csrf_token": good, "email": "x" * 1000})
        assert anonymous.status_code == 403
