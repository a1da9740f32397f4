"""Sign-in: throttling the attacker's address, never the account holder; one argon2
verification whether or not the email exists; old hashes upgraded; password change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.accounts import throttle
from peercet.accounts.passwords import Cost, Passwords, passwords, scrypt_hash
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import Registrant
from tests.support import factories as f
from tests.support.factories import PASSWORD
from tests.support.web_helpers import app_client, error_code, register, run_db
from web.auth import COOKIE

ATTACKER = ("203.0.113.66", 40000)
HOLDER = ("198.51.100.7", 40000)
WRONG = "wrong-password-1"


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (1, 0), (4, 0), (5, 60), (6, 120), (7, 240), (10, 1920), (16, 86400), (10**6, 86400)],
)
def test_the_wait_grows_with_each_failure_past_the_limit(failures: int, wait: int) -> None:
    assert throttle.lock_seconds(failures) == wait


def _sign_in(client: Any, email: str, password: str) -> Any:
    return client.post("/api/session", json={"email": email, "password": password})


def test_five_failures_lock_that_address_out_of_that_account_only(settings: Settings) -> None:
    clock = FixedClock(f.T0)
    with app_client(settings, clock, client=ATTACKER) as attacker:
        email = register(attacker)["email"]
        attacker.cookies.clear()
        for _ in range(throttle.LIMIT):
            assert _sign_in(attacker, email, WRONG).status_code == 401
        locked = _sign_in(attacker, email, PASSWORD)  # even the right password waits
        assert locked.status_code == 429 and error_code(locked) == "rate_limited"
        assert locked.headers["retry-after"] == "60"
        with app_client(settings, clock, client=HOLDER) as holder:
            assert _sign_in(holder, email, PASSWORD).status_code == 200  # never locked out
        clock.advance(timedelta(seconds=59))
        assert _sign_in(attacker, email, WRONG).headers["retry-after"] == "1"
        clock.advance(timedelta(seconds=1))
        assert _sign_in(attacker, email, WRONG).status_code == 401  # the 6th failure
        assert _sign_in(attacker, email, WRONG).headers["retry-after"] == "120"
        clock.advance(timedelta(seconds=120))
        assert _sign_in(attacker, email, PASSWORD).status_code == 200  # clears this address
        attacker.cookies.clear()
        for _ in range(throttle.LIMIT - 1):
            assert _sign_in(attacker, email, WRONG).status_code == 401
        assert _sign_in(attacker, email, PASSWORD).status_code == 200


def test_an_unknown_email_is_throttled_like_a_known_one(settings: Settings) -> None:
    with app_client(settings, client=ATTACKER) as client:
        answers = [_sign_in(client, "nobody@example.test", WRONG) for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert {error_code(a) for a in answers[:5]} == {"wrong_credentials"}


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """Every password verification the app makes, by the hash it was checked against."""
    seen: list[str | None] = []
    real = Passwords.check

    def counted(self: Passwords, stored: str | None, password: str) -> Any:
        seen.append(stored)
        return real(self, stored, password)

    monkeypatch.setattr(Passwords, "check", counted)
    yield seen


def test_an_unknown_email_costs_one_verification_like_a_wrong_password(
    settings: Settings, verifications: list[str | None]
) -> None:
    with app_client(settings) as client:
        email = register(client)["email"]
        client.cookies.clear()
        verifications.clear()
        assert _sign_in(client, email, WRONG).status_code == 401
        assert _sign_in(client, "nobody@example.test", WRONG).status_code == 401
    known, unknown = verifications
    assert known is not None and known.startswith("$argon2id$")
    assert unknown is None  # checked against the decoy, made with the same costs
    decoy = passwords(settings.password_cost).decoy
    assert decoy.split("$")[3] == known.split("$")[3]  # m=…,t=…,p=… alike


def test_an_old_hash_is_upgraded_at_the_next_sign_in(settings: Settings) -> None:
    strong = Passwords(Cost()).hash(PASSWORD)  # the production costs, not the test's

    async def seed(session: AsyncSession) -> list[str]:
        people = [await f.registrant(session) for _ in range(2)]
        for person, old in zip(people, (scrypt_hash(PASSWORD), strong), strict=True):
            await session.execute(
                update(Registrant).where(Registrant.id == person.id).values(password_hash=old)
            )
        return [p.email for p in people]

    emails = run_db(settings.database_url, seed)
    with app_client(settings) as client:
        for email in emails:
            assert _sign_in(client, email, WRONG).status_code == 401
            assert _sign_in(client, email, PASSWORD).status_code == 200
            assert _sign_in(client, email, PASSWORD).status_code == 200  # the new hash works

    async def hashes(session: AsyncSession) -> list[str]:
        chosen = select(Registrant.password_hash).where(Registrant.email.in_(emails))
        return list(await session.scalars(chosen))

    cheap = passwords(settings.password_cost).hasher
    for stored in run_db(settings.database_url, hashes):
        assert stored.startswith("$argon2id$") and not cheap.check_needs_rehash(stored)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    settings: Settings,
) -> None:
    with app_client(settings) as laptop, app_client(settings) as phone:
        email = register(laptop)["email"]
        assert _sign_in(phone, email, PASSWORD).status_code == 200
        url = "/api/me/password"
        wrong = laptop.post(url, json={"current_password": WRONG, "new_password": "new-pass-2026"})
        assert wrong.status_code == 403 and error_code(wrong) == "wrong_password"
        weak = laptop.post(url, json={"current_password": PASSWORD, "new_password": "short"})
        assert weak.status_code == 400 and error_code(weak) == "invalid_password"
        assert laptop.post(url, json={"current_password": PASSWORD}).status_code == 400
        old_cookie = laptop.cookies[COOKIE]
        done = laptop.post(
            url, json={"current_password": PASSWORD, "new_password": "new-pass-2026"}
        )
        assert done.status_code == 200 and done.json()["registrant"]["email"] == email
        assert laptop.get("/api/me").status_code == 200  # this session goes on, re-issued
        assert phone.get("/api/me").status_code == 401  # the other one ended
        phone.cookies[COOKIE] = old_cookie
        assert phone.get("/api/me").status_code == 401
        assert _sign_in(phone, email, PASSWORD).status_code == 401
        assert _sign_in(phone, email, "new-pass-2026").status_code == 200


def test_a_disabled_account_cannot_sign_in(settings: Settings) -> None:
    with app_client(settings) as client:
        email = register(client)["email"]
        client.cookies.clear()

        async def disable(session: AsyncSession) -> None:
            await session.execute(
                update(Registrant).where(Registrant.email == email).values(disabled_at=f.T0)
            )

        run_db(settings.database_url, disable)
        refused = _sign_in(client, email, PASSWORD)
        assert refused.status_code == 403 and error_code(refused) == "account_disabled"
        assert error_code(_sign_in(client, email, WRONG)) == "wrong_credentials"


def test_spraying_passwords_across_emails_stops_that_address(settings: Settings) -> None:
    with app_client(settings, client=ATTACKER) as attacker:
        for n in range(throttle.PER_CLIENT):
            assert _sign_in(attacker, f"victim{n}@example.test", WRONG).status_code == 401
        sprayed = _sign_in(attacker, "one-more@example.test", WRONG)
        assert sprayed.status_code == 429 and 0 < int(sprayed.headers["retry-after"]) <= 900
    with app_client(settings, client=HOLDER) as holder:
        assert _sign_in(holder, "one-more@example.test", WRONG).status_code == 401
