"""Headers and origins (issue 17.8): the security headers on every kind of response,
allowed origins from BASE_URL / ALLOWED_ORIGINS (never the request's Host), forwarded
headers believed only from TRUSTED_PROXIES."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from redis import Redis
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from websockets.exceptions import InvalidStatus

from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings, load_settings
from tests.support import factories as f
from tests.support.live import HTTP_TIMEOUT, serve, web_process
from tests.support.live import client as ws_client
from web.app import create_app
from web.security.headers import content_security_policy
from web.security.origin import allowed_origins

BAD = "https://evil.example"
WRONG = {"email": "nobody@example.test", "password": "wrong-password-1"}


def _headers_are_there(headers: Any, https: bool = False) -> None:
    """`headers`: httpx's or websockets' (each a case-insensitive mapping)."""
    get = headers.get
    csp = get("content-security-policy", "")
    for directive in ("script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert get("x-content-type-options") == "nosniff"
    assert get("referrer-policy") == "same-origin"
    assert (get("strict-transport-security") is not None) is https


async def _boom(request: Request) -> Response:
    raise RuntimeError("a bug")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, FixedClock(f.T0))
    app.router.routes.append(Route("/boom", _boom))  # a bug: Starlette's last-resort 500
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/courses", None, 200),  # a page
        ("GET", "/signin", None, 200),
        ("GET", "/api/courses", None, 200),  # JSON
        ("GET", "/static/site.js", None, 200),  # a static file
        ("GET", "/static/nothing.js", None, 404),
        ("GET", "/no/such/page", None, 404),  # the 404 page
        ("GET", "/api/nothing", None, 404),  # the 404 JSON
        ("GET", "/api/me", None, 401),
        ("POST", "/api/session", "{not json", 400),
        ("POST", "/api/session", WRONG, 401),
        ("DELETE", "/courses", None, 405),
        ("GET", "/healthz", None, 200),
        ("GET", "/boom", None, 500),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, body: object, status: int
) -> None:
    if isinstance(body, str):
        response = client.request(method, path, content=body)
    else:
        response = client.request(method, path, json=body)
    assert response.status_code == status
    _headers_are_there(response.headers)


def test_the_policy_allows_the_socket_of_the_services_origins() -> None:
    csp = content_security_policy(["https://cet.example", "http://127.0.0.1:8000"])
    assert "connect-src 'self' ws://127.0.0.1:8000 wss://cet.example;" in csp


@pytest.mark.parametrize(
    ("environ", "origins"),
    [
        ({}, ["http://127.0.0.1:8000"]),
        ({"PORT": "9000"}, ["http://127.0.0.1:9000"]),
        ({"BASE_URL": "https://cet.example/"}, ["https://cet.example"]),
        ({"BASE_URL": "https://cet.example/peercet"}, ["https://cet.example"]),
        (
            {
                "BASE_URL": "https://cet.example",
                "ALLOWED_ORIGINS": "https://a.example,https://b.example/",
            },
            ["https://a.example", "https://b.example"],
        ),
    ],
)
def test_allowed_origins_come_from_base_url_unless_given(
    environ: dict[str, str], origins: list[str]
) -> None:
    assert allowed_origins(load_settings({"SECRET_KEYS": "k", **environ})) == origins


def test_an_attackers_host_header_does_not_widen_the_origins(client: TestClient) -> None:
    """The origin allowed is BASE_URL's (http://127.0.0.1:8000 here), whatever Host says."""
    for host in ("evil.example", "testserver"):
        refused = client.post(
            "/api/session", json=WRONG, headers={"Host": host, "Origin": f"http://{host}"}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "bad_origin"
        _headers_are_there(refused.headers)
    allowed = client.post("/api/session", json=WRONG, headers={"Origin": "http://127.0.0.1:8000"})
    assert allowed.status_code == 401


async def test_a_websocket_handshake_from_another_origin_is_403_with_the_headers(
    settings: Settings,
) -> None:
    with serve(settings) as base:
        with pytest.raises(InvalidStatus) as refused:
            async with ws_client(base, settings, None, origin=BAD):
                pass
        response = refused.value.response
        assert response.status_code == 403 and b"bad_origin" in response.body
        _headers_are_there(response.headers)
        with pytest.raises(InvalidStatus) as spoofed:  # a Host header of the attacker's
            async with ws_client(base.replace("127.0.0.1", "localhost"), settings, None,
                                 origin=base.replace("127.0.0.1", "localhost")):  # fmt: skip
                pass
        assert spoofed.value.response.status_code == 403


def _failures_from(settings: Settings, address: str) -> int:
    with Redis.from_url(settings.redis_url) as redis:
        return int(redis.get(keys.signin_failures_client(address)) or 0)


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted-proxy"])
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    settings: Settings, trusted: bool
) -> None:
    """TestClient's peer address is "testclient": a proxy only when TRUSTED_PROXIES says."""
    proxies = ["10.0.0.1", "testclient"] if trusted else ["10.0.0.1"]
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    with TestClient(create_app(replace(settings, trusted_proxies=proxies))) as http:
        response = http.post("/api/session", json=WRONG, headers=forwarded)
        assert response.status_code == 401
        _headers_are_there(response.headers, https=trusted)  # X-Forwarded-Proto too
        registered = http.post(
            "/api/registrants",
            json={"email": "p@example.test", "password": "long-enough-1", "name": "P",
                  "goc_number": "01-55555", "profession": "optometrist"},
            headers=forwarded,
        )  # fmt: skip
        assert registered.status_code == 201
        assert ("Secure" in registered.headers["set-cookie"]) is trusted
    assert _failures_from(settings, "203.0.113.9") == (1 if trusted else 0)
    assert _failures_from(settings, "testclient") == (0 if trusted else 1)


def test_over_https_hsts_and_secure_cookies(settings: Settings) -> None:
    https = replace(settings, base_url="https://cet.example")
    with TestClient(create_app(https, FixedClock(f.T0))) as http:
        page = http.get("/signin")
        _headers_are_there(page.headers, https=True)
        assert "Secure" in page.headers["set-cookie"]  # the CSRF cookie
        missing = http.get("/nothing")
        _headers_are_there(missing.headers, https=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_procfiles_web_process_believes_no_forwarded_header_by_default(
    settings: Settings,
) -> None:
    """uvicorn alone would believe X-Forwarded-For from 127.0.0.1 (its default
    --forwarded-allow-ips): the Procfile turns that off, so TRUSTED_PROXIES decides."""
    with web_process(settings) as (base, _):
        response = httpx2.post(
            f"{base}/api/session",
            json=WRONG,
            headers={"X-Forwarded-For": "203.0.113.7"},
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 401
        _headers_are_there(response.headers)
    assert _failures_from(settings, "203.0.113.7") == 0
    assert _failures_from(settings, "127.0.0.1") == 1
