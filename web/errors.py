"""One error shape for the whole API: {"error": {"code", "message"}}; pages get a page."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from peercet.errors import DomainError, NotSignedIn
from web.templating import render

HTTP_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def wants_html(request: Request) -> bool:
    """A page, not the API: errors there are pages too (and "sign in first" a redirect)."""
    path = request.url.path
    return not path.startswith(("/api/", "/ws", "/healthz")) and request.method in (
        "GET",
        "POST",
    )


async def html_error(request: Request, status: int, message: str) -> Response:
    if status == 401:
        target = quote(request.url.path if request.method == "GET" else "/account")
        return RedirectResponse(f"/signin?next={target}", status_code=303)
    return await render(request, "error.html", {"status": status, "message": message}, status)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if wants_html(request):
        status = 401 if isinstance(exc, NotSignedIn) else exc.status
        return await html_error(request, status, exc.message)
    response = error_response(exc.status, exc.code, exc.message)
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        response.headers["retry-after"] = str(retry_after)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if wants_html(request) and exc.status_code in (404, 405):
        return await html_error(request, exc.status_code, str(exc.detail))
    code = HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail))


EXCEPTION_HANDLERS = {DomainError: domain_error, HTTPException: http_error}
