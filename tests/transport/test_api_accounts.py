"""Accounts: registration checks, one account per email and GOC number, sign-in and
out, the cookie (rotation, tamper, expiry, Secure over HTTPS). Throttling and password
hashes: tests/transport/test_signin.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.accounts.registrants import check_registration, create_registrant
from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.errors import Conflict
from peercet.core.settings import Settings
from peercet.core.tables import Registrant
from tests.support import factories as f
from tests.support.factories import PASSWORD
from tests.support.web_helpers import app_client, error_code, register
from web.auth import COOKIE

GOOD = {
    "email": "Ann@Example.test",
    "password": PASSWORD,
    "name": "  Ann   Example ",
    "goc_number": "01-12345",
    "profession": "optometrist",
}


def test_register_signs_in_and_me_shows_the_account(settings: Settings) -> None:
    with app_client(settings) as client:
        response = client.post("/api/registrants", json=GOOD)
        assert response.status_code == 201
        registrant = response.json()["registrant"]
        assert registrant["email"] == "ann@example.test" and registrant["name"] == "Ann Example"
        assert registrant["role"] == "registrant" and "password_hash" not in registrant
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        assert "Max-Age=1209600" in cookie
        me = client.get("/api/me").json()
        assert me == {"registrant": registrant, "notifications": []}
        again = client.post("/api/registrants", json={**GOOD, "email": "ANN@example.test"})
        assert again.status_code == 409 and error_code(again) == "email_taken"


BAD_FIELDS: list[tuple[str, object]] = [
    ("email", "not-an-email"),
    ("password", "short1"),
    ("password", "onlyletterslong"),
    ("name", ""),
    ("goc_number", "12345"),
    ("profession", "astronaut"),
    ("email", None),
]


def test_every_field_is_checked(settings: Settings) -> None:
    with app_client(settings) as client:
        for field, value in BAD_FIELDS:
            response = client.post("/api/registrants", json={**GOOD, field: value})
            assert response.status_code == 400 and error_code(response) == "invalid_registration"
            assert field in response.json()["error"]["message"]
        assert client.get("/api/me").status_code == 401  # nothing was created


def test_sign_in_wrong_password_is_401_and_sign_out_is_204(settings: Settings) -> None:
    with app_client(settings) as client:
        client.post("/api/registrants", json=GOOD)
        client.cookies.clear()
        wrong = client.post("/api/session", json={"email": GOOD["email"], "password": "nope-1"})
        assert wrong.status_code == 401 and error_code(wrong) == "wrong_credentials"
        unknown = client.post("/api/session", json={"email": "x@y.test", "password": "nope-1"})
        assert unknown.status_code == 401
        assert client.post("/api/session", json={"email": 1}).status_code == 400
        assert client.get("/api/me").status_code == 401
        good = client.post("/api/session", json={"email": "ann@EXAMPLE.test", "password": PASSWORD})
        assert good.status_code == 200 and good.json()["registrant"]["email"] == "ann@example.test"
        assert client.get("/api/me").status_code == 200
        out = client.delete("/api/session")
        assert out.status_code == 204 and f"{COOKIE}=" in out.headers["set-cookie"]
        assert client.get("/api/me").status_code == 401


def test_signing_out_ends_every_session_copies_of_the_cookie_included(
    settings: Settings,
) -> None:
    with app_client(settings) as laptop, app_client(settings) as phone:
        email = register(laptop)["email"]
        copied = laptop.cookies[COOKIE]
        phone.cookies[COOKIE] = copied
        assert phone.get("/api/me").status_code == 200
        assert laptop.delete("/api/session").status_code == 204
        assert phone.get("/api/me").status_code == 401  # the same cookie, replayed
        laptop.cookies[COOKIE] = copied
        assert laptop.get("/api/me").status_code == 401
        again = phone.post("/api/session", json={"email": email, "password": PASSWORD})
        assert again.status_code == 200 and phone.get("/api/me").status_code == 200


def test_a_cookie_signed_with_the_older_key_still_works(settings: Settings) -> None:
    old_only = replace(settings, secret_keys=["key-2025"])
    rotated = replace(settings, secret_keys=["key-2026", "key-2025"])
    new_only = replace(settings, secret_keys=["key-2026"])
    with app_client(old_only) as client:
        register(client)
        old_cookie = client.cookies[COOKIE]
    with app_client(rotated) as client:
        client.cookies[COOKIE] = old_cookie
        assert client.get("/api/me").status_code == 200
        me = client.get("/api/me").json()["registrant"]
        client.cookies.clear()
        client.post("/api/session", json={"email": me["email"], "password": PASSWORD})
        new_cookie = client.cookies[COOKIE]
    with app_client(new_only) as client:
        client.cookies[COOKIE] = new_cookie  # the fresh cookie was signed with the newest key
        assert client.get("/api/me").status_code == 200
        client.cookies.clear()
        client.cookies[COOKIE] = old_cookie  # the retired key is no longer trusted
        assert client.get("/api/me").status_code == 401


def test_a_tampered_cookie_is_anonymous(settings: Settings) -> None:
    with app_client(settings) as client:
        register(client)
        good = client.cookies[COOKIE]
        client.cookies.clear()
        client.cookies[COOKIE] = good
        assert client.get("/api/me").status_code == 200  # the good one, set by hand, works
        assert good.startswith("eyJyaWQiOjEsImUiOjB9.")  # {"rid":1,"e":0}
        rest = good.split(".", 1)[1]
        for bad in (
            good[:-2] + ("AA" if good[-2:] != "AA" else "BB"),
            "x" + good,
            "garbage",
            "eyJyaWQiOjIsImUiOjB9." + rest,
        ):  # fmt: skip  (another rid, same signature)
            client.cookies.clear()
            client.cookies[COOKIE] = bad
            response = client.get("/api/me")
            assert response.status_code == 401 and error_code(response) == "not_signed_in"


def test_a_cookie_expires_after_fourteen_days(settings: Settings) -> None:
    clock = FixedClock(f.T0)
    with app_client(settings, clock) as client:
        register(client)
        clock.advance(timedelta(days=14) - timedelta(seconds=1))
        assert client.get("/api/me").status_code == 200
        clock.advance(timedelta(seconds=2))
        assert client.get("/api/me").status_code == 401


def test_the_cookie_is_secure_behind_https(settings: Settings) -> None:
    with app_client(settings, base_url="https://testserver") as client:
        response = client.post("/api/registrants", json=GOOD)
    assert "Secure" in response.headers["set-cookie"]
    behind_proxy = replace(settings, base_url="https://cet.example")
    with app_client(behind_proxy) as client:
        other = {**GOOD, "email": "b@example.test", "goc_number": "01-54321"}
        response = client.post("/api/registrants", json=other)
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    "written", ["01-12345", " 01 12345 ", "0112345", "01\u201312345", "01 - 12345"]
)
def test_one_account_per_goc_number_however_it_is_written(settings: Settings, written: str) -> None:
    with app_client(settings) as client:
        first = client.post("/api/registrants", json={**GOOD, "goc_number": written})
        assert first.status_code == 201
        assert first.json()["registrant"]["goc_number"] == "01-12345"  # canonical
        for variant in ("01-12345", "0112345", "01 12345"):
            body = {**GOOD, "email": "other@example.test", "goc_number": variant}
            again = client.post("/api/registrants", json=body)
            assert again.status_code == 409 and error_code(again) == "goc_number_taken"
        both = client.post("/api/registrants", json={**GOOD, "email": "ANN@example.TEST"})
        assert both.status_code == 409 and error_code(both) == "email_taken"


async def test_two_registrations_at_once_give_one_account_and_one_409(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Racing double submissions: the unique index decides, and the loser hears why."""

    async def attempt(email: str, number: str) -> str:
        new = check_registration({**GOOD, "email": email, "goc_number": number})
        try:
            async with transaction(sessions) as session:
                await create_registrant(session, new, f.T0, f.CHEAP)
        except Conflict as exc:
            return exc.code
        return "created"

    same_number = await asyncio.gather(
        attempt("a@example.test", "01-11111"), attempt("b@example.test", "0111111")
    )
    assert sorted(same_number) == ["created", "goc_number_taken"]
    same_email = await asyncio.gather(
        attempt("c@example.test", "01-22222"), attempt("C@example.test", "01-33333")
    )
    assert sorted(same_email) == ["created", "email_taken"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Registrant)) == 2
