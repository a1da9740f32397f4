"""GET /healthz answers for the database and Redis."""

from __future__ import annotations

import dataclasses

from starlette.testclient import TestClient

from peercet.core.settings import Settings
from web.app import create_app


def test_healthy_when_database_and_redis_answer(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": True, "redis": True}


def test_503_when_redis_is_away(settings: Settings) -> None:
    away = dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(away)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] is False and response.json()["database"] is True


def test_unknown_paths_get_the_json_error_shape(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
