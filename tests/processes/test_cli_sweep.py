"""The command line as a process: `peercet deadlines run` and `peercet sweep` write
emails whose every link is absolute from BASE_URL and whose times are in TIMEZONE (the
settings reach its sessions), and the sweep runs every periodic duty once, idempotently."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions import links
from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.tables import OutgoingEmail
from tests.support import factories as f
from tests.support.services import TEST_SECRET_KEYS, run_peercet

pytestmark = pytest.mark.slow

BASE = "https://cet.example.org"
ENV = {"BASE_URL": BASE, "TIMEZONE": "Asia/Tokyo"}
DUE = f.T0 + timedelta(days=14, minutes=1)


async def _emails(sessions: async_sessionmaker[AsyncSession]) -> dict[str, OutgoingEmail]:
    async with sessions() as session:
        return {e.to_addr: e for e in await session.scalars(select(OutgoingEmail))}


def _links(email: OutgoingEmail) -> list[str]:
    return re.findall(r"https?://\S+", email.text_body) + re.findall(
        r'href="([^"]+)"', email.html_body
    )


async def test_deadlines_run_emails_links_from_base_url(
    sessions: async_sessionmaker[AsyncSession], database_url: str, redis_url: str
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        gone, kept = await f.registrant(session), await f.registrant(session)
        two_days = f.T0 + timedelta(days=2)
        first, later, _ = await f.pair(session, course, f.T0, two_days, people=(gone, kept))
    ran, _ = run_peercet(
        database_url, redis_url, "deadlines", "run", "--now", DUE.isoformat(), env=ENV
    )
    assert ran == {"fallbacks": 1}
    emails = await _emails(sessions)
    certificate = _links(emails[gone.email])
    assert certificate and all(link.startswith(f"{BASE}/certificates/") for link in certificate)
    token = certificate[0].removeprefix(f"{BASE}/certificates/").removesuffix(".pdf")
    keys = TEST_SECRET_KEYS.split(",")
    assert links.read_download_token(keys, token, FixedClock(DUE)) == first.id
    assert _links(emails[kept.email]) == [f"{BASE}/account/completions/{later.id}"] * 2


async def test_deadlines_run_links_are_absolute_under_a_base_url_with_a_path(
    sessions: async_sessionmaker[AsyncSession], database_url: str, redis_url: str
) -> None:
    """Nothing but the command's own context gives the links their BASE_URL (issue 14.3):
    one under a path, given with a trailing slash, prefixes every link exactly once."""
    async with transaction(sessions) as session:
        alone = await f.waiting(session, await f.registrant(session), await f.course(session))
    base = "https://cet.example.org/peercet"
    env = {**ENV, "BASE_URL": f"{base}/"}
    ran, _ = run_peercet(
        database_url, redis_url, "deadlines", "run", "--now", DUE.isoformat(), env=env
    )
    assert ran == {"fallbacks": 1}
    [email] = (await _emails(sessions)).values()
    found = _links(email)
    assert len(found) == 2 and all(link.startswith(f"{base}/certificates/") for link in found)
    assert 'href="/' not in email.html_body and "\n/" not in email.text_body
    token = found[0].removeprefix(f"{base}/certificates/").removesuffix(".pdf")
    assert (
        links.read_download_token(TEST_SECRET_KEYS.split(","), token, FixedClock(DUE)) == alone.id
    )


async def test_sweep_runs_every_duty_once_in_the_schemes_time(
    sessions: async_sessionmaker[AsyncSession], database_url: str, redis_url: str
) -> None:
    async with transaction(sessions) as session:
        course = await f.course(session)
        fell = await f.waiting(session, await f.registrant(session), course)
        soon = await f.registrant(session)
        reminded = await f.waiting(session, soon, course, f.T0 + timedelta(days=1, hours=12))
    args = ("sweep", "--now", DUE.isoformat())
    first, _ = run_peercet(database_url, redis_url, *args, env=ENV)
    assert {k: first[k] for k in ("fallbacks", "no_shows", "invitations_expired", "reminders")} == {
        "fallbacks": 1, "no_shows": 0, "invitations_expired": 0, "reminders": 1
    }  # fmt: skip
    again, _ = run_peercet(database_url, redis_url, *args, env=ENV)
    assert (again["fallbacks"], again["reminders"], again["uploads"]) == (0, 0, [])
    reminder = (await _emails(sessions))[soon.email]
    assert "06:00 JST on 18 March 2026" in reminder.text_body  # its deadline, 21:00 UTC
    assert _links(reminder) == [f"{BASE}/account/completions/{reminded.id}"] * 2
    assert fell.id != reminded.id


def test_sweep_prints_what_each_duty_did(database_url: str, redis_url: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "peercet.cli.main", "sweep", "--now", "2026-01-05T10:00"],
        env={"SECRET_KEYS": TEST_SECRET_KEYS, "DATABASE_URL": database_url,
             "REDIS_URL": redis_url, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines[:-1] == [
        "fallbacks: 0", "no shows: 0", "invitations expired: 0", "uploads: 0", "reminders: 0",
        "overdue flagged: 0",
    ]  # fmt: skip
    assert lines[-1].startswith("{") and '"no_shows": 0' in lines[-1]
