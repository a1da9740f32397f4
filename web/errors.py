"""One error shape for the whole API: {"error": {"code", "message"}}; pages get a page."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from peercet.core.errors import DomainError, NotSignedIn
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


def sendable(text: str) -> str:
    """Text that quotes a client's input keeps no lone surrogate (it could not be sent)."""
    return text.encode("utf-8", "replace").decode()


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    error = {"code": code, "message": sendable(message)}
    if field is not None:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status)


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
    context = {"status": status, "message": sendable(message)}
    return await render(request, "error.html", context, status)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if wants_html(request):
        status = 401 if isinstance(exc, NotSignedIn) else exc.status
        return await html_error(request, status, exc.message)
    response = error_response(exc.status, exc.code, exc.message, exc.field)
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
