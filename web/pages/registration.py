"""Pages: register, sign in, sign out (forms with CSRF tokens)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from peercet.accounts import signin
from peercet.accounts.registrants import register as register_account
from peercet.core.db import transaction
from peercet.core.errors import DomainError
from web.auth import clear_session, end_sessions, gate, set_session
from web.http import read_form
from web.resources import resources
from web.schemas import Credentials, Registration
from web.security import csrf
from web.templating import render

FIELDS = ("email", "name", "goc_number", "profession")


def safe_next(value: object, default: str = "/account") -> str:
    """Only a path on this site: never `//elsewhere` or an absolute URL."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 32 for c in value):  # browsers read /\\x as //x
        return default
    return value


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def register_form(request: Request) -> Response:
    return await render(request, "register.html", {"values": {}})


async def register(request: Request) -> Response:
    form = await csrf.checked_form(request)
    res = resources(request)
    values = {k: _text(form, k) for k in (*FIELDS, "password")}
    try:
        fields = read_form(form, Registration).model_dump()
        async with transaction(res.sessions) as session:
            now, cost = res.clock.now(), res.settings.password_cost
            registrant = await register_account(session, fields, now, cost)
    except DomainError as exc:
        context = {"values": {k: values[k] for k in FIELDS}, "error": exc.message}
        return await render(request, "register.html", context, exc.status)
    response = RedirectResponse("/account", status_code=303)
    set_session(response, request, registrant)
    return response


async def sign_in_form(request: Request) -> Response:
    context = {"next": safe_next(request.query_params.get("next")), "email": ""}
    return await render(request, "signin.html", context)


async def sign_in(request: Request) -> Response:
    form = await csrf.checked_form(request)
    email, target = _text(form, "email"), safe_next(form.get("next"))
    try:
        given = read_form(form, Credentials)
        registrant = await signin.sign_in(gate(request), given.email, given.password)
    except DomainError as exc:
        context = {"next": target, "email": email, "error": exc.message}
        return await render(request, "signin.html", context, exc.status)
    response = RedirectResponse(target, status_code=303)
    set_session(response, request, registrant)
    return response


async def sign_out(request: Request) -> Response:
    await csrf.checked_form(request)
    await end_sessions(request)
    response = RedirectResponse("/courses", status_code=303)
    clear_session(response)
    return response


async def home(request: Request) -> Response:
    return RedirectResponse("/courses", status_code=303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/register", register_form, methods=["GET"]),
    Route("/register", register, methods=["POST"]),
    Route("/signin", sign_in_form, methods=["GET"]),
    Route("/signin", sign_in, methods=["POST"]),
    Route("/signout", sign_out, methods=["POST"]),
]
