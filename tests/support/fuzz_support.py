"""What the fuzz tests (tests/test_fuzz*.py) need: the routes, a seeded world, requests.

Routes are enumerated from `web.app.all_routes()`, so a route added later is fuzzed
without editing the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from discussion import actions
from tests.support import factories as f
from tests.support import hostile
from web.app import all_routes
from web.auth import COOKIE
from web.security.csrf import COOKIE as CSRF_COOKIE

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
IDENTITIES = ("anonymous", "registrant", "moderator")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
EXTRA_HEADERS = ["x-forwarded-for", "x-forwarded-proto", "accept", "content-type", "host"]
# Mostly what gets past the first checks (the route's method, no foreign Origin, a
# valid CSRF token, someone signed in), so that the code behind them is fuzzed too.
ORIGINS = [None] * 8 + ["http://testserver", "https://evil.test"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {name} placeholders
    params: tuple[str, ...]


def endpoints(routes: list[BaseRoute] | None = None) -> list[Endpoint]:
    """Every HTTP (method, path) the app serves; a Mount as one GET under its prefix."""
    found = []
    for route in all_routes() if routes is None else routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                found.append(Endpoint(method, route.path, tuple(route.param_convertors)))
        elif isinstance(route, Mount):
            found.append(Endpoint("GET", route.path + "/{path}", ("path",)))
    return found


@dataclass
class World:
    """What the fuzzed requests can name: real ids of each kind, and who signs in."""

    emails: dict[str, str]
    real: dict[str, list[str]]
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: tuple[str, str] = ("", "")


async def seed(session: AsyncSession) -> World:
    """A paired discussion with a report, a completion awaiting the choice, a moderator."""
    course = await f.course(session)
    other = await f.course(session)
    me, peer = await f.registrant(session), await f.registrant(session)
    moderator = await f.registrant(session, role="moderator")
    mine, theirs, discussion = await f.pair(session, course, people=(me, peer))
    choice = await f.completion(session, me, other)
    report = await actions.report(session, peer.id, discussion, "rude", None, f.T0)
    ids = [str(i) for i in (mine.id, theirs.id, choice.id, discussion, report.id)]
    return World(
        emails={"registrant": me.email, "moderator": moderator.email},
        real={"id": ids, "completion_id": ids, "invitation_id": ["1"],
              "ref": [course.ref, other.ref], "token": ["x.y.z"], "path": ["discussion.js"]},
    )  # fmt: skip


def sign_in(client: TestClient, world: World, who: str) -> None:
    """A fresh session cookie for `who` (after a fuzzed sign-out ended the last one)."""
    client.cookies.clear()
    response = client.post(
        "/api/session", json={"email": world.emails[who], "password": f.PASSWORD}
    )
    assert response.status_code == 200, response.text
    world.cookies[who] = response.cookies[COOKIE]


def prepare(client: TestClient, world: World) -> None:
    for who in ("registrant", "moderator"):
        sign_in(client, world, who)
    client.cookies.clear()
    page = client.get("/signin")
    world.csrf = (page.cookies[CSRF_COOKIE], TOKEN.findall(page.text)[0])
    client.cookies.clear()


@dataclass(frozen=True)
class Fuzzed:
    endpoint: Endpoint
    method: str
    url: str
    who: str
    headers: dict[str, str]
    content: bytes | None

    def describe(self) -> str:
        body = (self.content or b"")[:200]
        return f"{self.method} {self.url[:300]} as {self.who} {self.headers} {body!r}"

    __repr__ = describe  # what Hypothesis prints of a failing example: short


def _path(endpoint: Endpoint, values: dict[str, str]) -> str:
    path = endpoint.path
    for name in endpoint.params:
        path = re.sub(r"\{" + name + r"(:[^}]*)?\}", hostile.encode(values[name]), path)
    return path


def _multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--xyz\r\nContent-Disposition: form-data; name="{hostile.encode(k)}"; filename="f.txt"'
        f"\r\nContent-Type: text/plain\r\n\r\n{v}\r\n"
        for k, v in fields.items()
    ]
    return ("".join(parts) + "--xyz--\r\n").encode("utf-8", "surrogatepass")


def _form(fields: dict[str, str], token: str | None) -> bytes:
    if token is not None:
        fields = {**fields, "csrf_token": token}
    return "&".join(f"{hostile.encode(k)}={hostile.encode(v)}" for k, v in fields.items()).encode()


@st.composite
def _body(draw: st.DrawFn, world: World, extra: list[str]) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["json", "json", "form", "multipart", "raw"]))
    if kind == "json":
        return draw(hostile.json_bodies(extra)), "application/json"
    fields = draw(hostile.form_fields(extra))
    if kind == "form":
        token = draw(st.sampled_from([world.csrf[1]] * 4 + [None, "forged"]))
        return _form(fields, token), "application/x-www-form-urlencoded"
    if kind == "multipart":
        return _multipart(fields), "multipart/form-data; boundary=xyz"
    return draw(st.binary(max_size=64)), draw(st.sampled_from(hostile.CONTENT_TYPES))


def _cookie(world: World, who: str, garbage: str | None) -> str:
    jar = {CSRF_COOKIE: world.csrf[0]}
    if who in world.cookies:
        jar[COOKIE] = world.cookies[who]
    if garbage is not None:
        jar[COOKIE if who == "anonymous" else "other"] = garbage
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@st.composite
def requests(draw: st.DrawFn, world: World, routes: list[Endpoint]) -> Fuzzed:
    """One hostile request to one of `routes`, as anyone, with hostile parts."""
    endpoint = draw(st.sampled_from(routes))
    extra = [v for values in world.real.values() for v in values]
    values = {p: draw(hostile.path_values(world.real.get(p, []))) for p in endpoint.params}
    method = draw(st.sampled_from([endpoint.method] * 20 + ["PUT", "PATCH", "OPTIONS"]))
    query = draw(st.one_of(st.just(""), hostile.query_strings(extra)))
    who = draw(st.sampled_from([*IDENTITIES, "registrant", "moderator"]))
    garbage = draw(st.sampled_from([None] * 4 + [""]) | hostile.header_values())
    headers = {"cookie": _cookie(world, who, garbage)}
    content = None
    if method in BODY_METHODS:
        content, headers["content-type"] = draw(_body(world, extra))
    origin = draw(st.sampled_from(ORIGINS))
    if origin is not None:
        headers["origin"] = origin
    for name in draw(st.lists(st.sampled_from(EXTRA_HEADERS), max_size=2)):
        headers[name] = draw(hostile.header_values())
    url = _path(endpoint, values) + (f"?{query}" if query else "")
    return Fuzzed(endpoint, method, url, who, headers, content)


def error_shape_problem(body: Any) -> str | None:
    """Why a 4xx JSON answer is not API.md's `{"error": {"code", "message"}}`, or None."""
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return "not {error: {...}}"
    code, message = body["error"].get("code"), body["error"].get("message")
    if not isinstance(code, str) or not SNAKE.match(code):
        return f"code {code!r} is not snake_case"
    if not isinstance(message, str) or not message:
        return "no message"
    return None
