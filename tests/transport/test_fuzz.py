"""Hostile requests to every route (issue 17, "Done when"): no input makes a 5xx, and
every 4xx JSON answer has API.md's error shape. Both databases, a real Redis.

Bounded and reproducible: `derandomize=True` (the same examples every run) on a world
seeded the same way; the figures are printed (`-s` or the summary shows them).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from peercet.core.settings import Settings
from tests.support import fuzz_support as fz
from tests.support.web_helpers import app_client, run_db

EXAMPLES = 600
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SIGN_OUTS = {("DELETE", "/api/session"), ("POST", "/signout")}


def send(client: TestClient, request: fz.Fuzzed) -> tuple[int, str, bytes]:
    client.cookies.clear()
    headers = {k: v.encode("latin-1") for k, v in request.headers.items()}  # bytes as sent
    response = client.request(request.method, request.url, headers=headers, content=request.content)
    return response.status_code, response.headers.get("content-type", ""), response.content


def check(request: fz.Fuzzed, status: int, kind: str, body: bytes) -> None:
    assert status < 500, request.describe()
    if 400 <= status < 500 and kind.startswith("application/json"):
        problem = fz.error_shape_problem(json.loads(body))
        assert problem is None, (problem, body[:300], request.describe())


def test_every_route_answers_hostile_requests_without_a_5xx(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    world = run_db(settings.database_url, fz.seed)
    routes = fz.endpoints()
    statuses: Counter[int] = Counter()
    with app_client(settings) as client:
        fz.prepare(client, world)

        @FUZZ
        @given(fz.requests(world, routes))
        def fuzz(request: fz.Fuzzed) -> None:
            status, kind, body = send(client, request)
            statuses[status] += 1
            check(request, status, kind, body)
            if (request.method, request.endpoint.path) in SIGN_OUTS and request.who in world.emails:
                fz.sign_in(client, world, request.who)  # keep fuzzing as someone signed in

        fuzz()
    covered = {e.path for e in routes}
    with capsys.disabled():
        print(
            f"\nfuzz http [{settings.database_url.split(':')[0]}]: {sum(statuses.values())} "
            f"requests to {len(routes)} routes ({len(covered)} paths), "
            f"5xx: {sum(n for s, n in statuses.items() if s >= 500)}, statuses {dict(statuses)}"
        )


def test_every_route_is_enumerated() -> None:
    """Routes come from the app itself: API, pages, static files (not /ws: its own test)."""
    paths = {(e.method, e.path) for e in fz.endpoints()}
    assert ("POST", "/api/session") in paths and ("GET", "/courses/{ref}") in paths
    assert ("GET", "/static/{path}") in paths
    assert not any(path == "/ws" for _, path in paths)
