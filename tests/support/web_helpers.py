"""Helpers for tests of the HTTP edge: seed a database, run the app, sign in, pass."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from tests.support import factories as f
from web.app import create_app

T = TypeVar("T")
_people = itertools.count(1)


def run_db(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction, outside the app."""

    async def main() -> T:
        engine = create_engine(database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@contextmanager
def app_client(
    settings: Settings, clock: FixedClock | None = None, **kw: Any
) -> Iterator[TestClient]:
    app = create_app(settings, clock or FixedClock(f.T0))
    with TestClient(app, **kw) as client:
        yield client


def make_course(settings: Settings, interactive: bool = True, **kw: Any) -> str:
    async def work(session: AsyncSession) -> str:
        return (await f.course(session, interactive, **kw)).ref

    return run_db(settings.database_url, work)


def register(client: TestClient, profession: str = "optometrist", **kw: Any) -> dict[str, Any]:
    """A new account, signed in on `client`."""
    n = next(_people)
    body = {
        "email": kw.get("email", f"someone{n}-{profession}@example.test"),
        "password": kw.get("password", f.PASSWORD),
        "name": kw.get("name", "Ann Example"),
        "goc_number": kw.get("goc_number", f"03-{n:06d}"),  # one account per number
        "profession": profession,
    }
    response = client.post("/api/registrants", json=body)
    assert response.status_code == 201, response.text
    registrant: dict[str, Any] = response.json()["registrant"]
    return registrant


def answers(client: TestClient, ref: str, wrong: int = 0) -> dict[str, int]:
    """Right answers (the factories' answer to question i is i % 3), `wrong` of them not."""
    questions = client.get(f"/api/courses/{ref}").json()["questions"]
    chosen = {}
    for i, q in enumerate(questions):
        right = i % 3
        chosen[str(q["id"])] = (right + 1) % 3 if i < wrong else right
    return chosen


def pass_exam(client: TestClient, ref: str) -> dict[str, Any]:
    response = client.post(f"/api/courses/{ref}/attempts", json={"answers": answers(client, ref)})
    assert response.status_code in (200, 201), response.text
    completion: dict[str, Any] = response.json()["completion"]
    return completion


def error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code
