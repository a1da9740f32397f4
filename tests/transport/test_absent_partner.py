"""An absent partner hears about it (issue 13.8): a participant's first message or
validation emails the other when no socket of theirs is in the discussion, with a link,
at most once per discussion and recipient an hour (injected clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx2
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import rules
from discussion.absent import Happened
from discussion.actions import Post, store_messages
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.publish import Effects, MemoryPublisher
from peercet.core.settings import Settings
from peercet.core.tables import OutgoingEmail, Registrant
from tests.support import factories as f
from tests.support.context import context
from tests.support.factories import Pair, paired
from tests.support.live import HTTP_TIMEOUT, TIMEOUT, client, cookie, serve
from web.resources import Resources
from web.ws.absent import AbsentPartners
from web.ws.presence import Presence

Sessions = async_sessionmaker[AsyncSession]
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("online", "last", "told"),
    [
        (False, None, True),
        (True, None, False),  # connected: sees it live
        (False, f.T0 - HOUR + SECOND, False),  # told within the hour
        (False, f.T0 - HOUR, True),  # an hour since
        (True, f.T0 - 2 * HOUR, False),
    ],
)
def test_when_an_absent_partner_is_emailed(online: bool, last: datetime | None, told: bool) -> None:
    assert rules.tell_absent(online, last, f.T0) is told


@pytest.fixture
async def partners(settings: Settings) -> AsyncIterator[AbsentPartners]:
    """The web process's machinery on a real database and Redis, on a fixed clock."""
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    sessions = session_factory(engine)
    effects = Effects(MemoryPublisher())
    res = Resources(context(settings, FixedClock(f.T0)), engine, sessions, redis, effects, {})
    try:
        yield AbsentPartners(res, Presence(redis))
    finally:
        await redis.aclose()
        await engine.dispose()


async def _say(partners: AbsentPartners, p: Pair, who: int, cmid: str) -> None:
    """A `say` as the writer stores it, then handed over as the writer does."""
    now = partners.res.clock.now()
    async with transaction(partners.res.sessions) as session:
        stored = await store_messages(session, [Post(p.discussion, who, cmid, "Hello")], now)
    partners.stored(stored)
    await partners.idle()


async def _emails(sessions: Sessions) -> list[OutgoingEmail]:
    async with sessions() as session:
        return list(await session.scalars(select(OutgoingEmail).where(
            OutgoingEmail.dedupe_key.like("absent:%")).order_by(OutgoingEmail.id)))  # fmt: skip


def _clock(partners: AbsentPartners) -> FixedClock:
    clock = partners.res.clock
    assert isinstance(clock, FixedClock)
    return clock


async def test_a_first_message_emails_the_absent_partner_with_a_link_once_an_hour(
    sessions: Sessions, settings: Settings, partners: AbsentPartners
) -> None:
    p = await paired(sessions)
    await _say(partners, p, p.a, "a1")
    [email] = await _emails(sessions)
    async with sessions() as session:
        bob = await session.get_one(Registrant, p.b)
    assert email.to_addr == bob.email
    assert f"{settings.base_url}/discussions/{p.discussion}" in email.text_body
    assert "Alice Able has written in" in email.subject
    await _say(partners, p, p.a, "a2")  # not a first message
    _clock(partners).advance(HOUR - SECOND)
    assert await partners.tell(p.discussion, p.a, Happened.VALIDATED) == []  # within the hour
    assert len(await _emails(sessions)) == 1
    _clock(partners).advance(SECOND)
    assert await partners.tell(p.discussion, p.a, Happened.VALIDATED) == [p.b]  # an hour on
    emails = await _emails(sessions)
    assert len(emails) == 2 and "has validated" in emails[1].subject


async def test_a_partner_with_a_socket_in_the_discussion_gets_no_email(
    sessions: Sessions, partners: AbsentPartners
) -> None:
    p = await paired(sessions)
    presence = partners.presence
    assert isinstance(presence, Presence)
    await presence.enter(p.discussion, f"{p.b}:socket")
    await _say(partners, p, p.a, "a1")
    assert await _emails(sessions) == []


async def test_only_the_author_s_first_message_counts_even_in_another_process(
    sessions: Sessions, settings: Settings, partners: AbsentPartners
) -> None:
    """A process that has not seen the author yet asks the database: a later message is
    not a first one, so nothing is sent (and nobody is told twice within the hour)."""
    p = await paired(sessions)
    async with transaction(sessions) as session:
        await store_messages(session, [Post(p.discussion, p.a, "earlier", "Hi")], f.T0)
    _clock(partners).advance(2 * HOUR)
    await _say(partners, p, p.a, "later")
    assert await _emails(sessions) == []
    await _say(partners, p, p.b, "b1")  # B's first: A is told
    [email] = await _emails(sessions)
    async with sessions() as session:
        assert email.to_addr == (await session.get_one(Registrant, p.a)).email


async def test_over_the_socket_the_absent_partner_is_emailed(
    settings: Settings, sessions: Sessions
) -> None:
    p = await paired(sessions)
    clock = FixedClock(f.T0)
    with serve(settings, clock) as base:
        async with client(base, settings, p.a, clock=clock) as ws:
            await ws.join(p.discussion)
            await ws.say(p.discussion, "a1", "Hello, are you there?")
            await ws.expect("message")
            loop_until = asyncio.get_running_loop().time() + TIMEOUT
            while not await _emails(sessions):
                assert asyncio.get_running_loop().time() < loop_until, "no email"
                await asyncio.sleep(0.05)
    [email] = await _emails(sessions)
    assert f"/discussions/{p.discussion}" in email.text_body


async def test_a_first_validation_over_http_emails_the_absent_partner(
    settings: Settings, sessions: Sessions
) -> None:
    p = await paired(sessions)
    posts = [Post(p.discussion, r, f"{r}-{q}", "on it", q) for r in (p.a, p.b) for q in p.prompts]
    async with transaction(sessions) as session:  # stored outside the web process: no email
        await store_messages(session, posts, f.T0)
    clock = FixedClock(f.T0)
    with serve(settings, clock) as base:
        headers = {"Cookie": cookie(settings, p.a, clock)}
        async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=HTTP_TIMEOUT) as api:
            url = f"/api/discussions/{p.discussion}/validation"
            answer = await api.post(url, json={"peer_took_part": True, "reflection": "Useful."})
            assert answer.status_code == 200
    [email] = await _emails(sessions)
    assert "Alice Able has validated" in email.subject
    assert f"{base}/discussions/{p.discussion}" in email.text_body  # BASE_URL: the served one
