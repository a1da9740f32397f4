"""The outbox sender: real SMTP (a local aiosmtpd), .eml files without SMTP, retries when
SMTP is down, and never a second copy when a job is retried or two run at once."""

from __future__ import annotations

import asyncio
import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import OutgoingEmail
from peercet.notify import mailer
from peercet.notify.notices import Notice, notify
from tests.support import factories as f
from tests.support.context import links
from tests.support.services import Inbox, free_port, parts

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FROM = "Peercet <no-reply@peercet.test>"
LINK = "http://peercet.test/account/completions/7/certificate?sig=abc"


async def _queue(sessions: async_sessionmaker[AsyncSession], n: int = 1) -> list[int]:
    async with transaction(sessions) as session:
        who = await f.registrant(session, name="Ann O'Neil", email="ann@example.test")
        for i in range(n):
            notice = Notice("completed", f"CET completed {i}", "Your CET is complete.", LINK)
            await notify(session, who, notice, NOW, links())
    async with sessions() as session:
        return list(await session.scalars(select(OutgoingEmail.id).order_by(OutgoingEmail.id)))


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutgoingEmail]:
    async with sessions() as session:
        return list(await session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


async def test_an_email_goes_through_smtp_with_text_and_html_and_its_link(
    sessions: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    (email_id,) = await _queue(sessions)
    result = await mailer.drain(sessions, mailer.SmtpTransport(url), FixedClock(NOW), FROM)
    assert (result.sent, result.failed) == (1, 0)
    (message,) = inbox.messages
    assert message["To"] == "ann@example.test"
    assert message["Subject"] == "CET completed 0"
    assert message["Message-ID"] == f"<outbox-{email_id}@peercet.test>"
    text, html = parts(message)
    assert "Dear Ann O'Neil" in text and LINK in text
    assert f'href="{LINK}"' in html.replace("&amp;", "&")
    (row,) = await _rows(sessions)
    assert (row.sent_at, row.attempts, row.last_error) == (NOW, 1, None)
    again = await mailer.drain(sessions, mailer.SmtpTransport(url), FixedClock(NOW), FROM)
    assert (again.sent, len(inbox.messages)) == (0, 1)  # a retried job sends nothing twice


async def test_smtp_down_keeps_the_email_and_retries_after_a_backoff(
    sessions: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    await _queue(sessions)
    clock = FixedClock(NOW)
    down = mailer.SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=2)
    assert (await mailer.drain(sessions, down, clock, FROM)).failed == 1
    (row,) = await _rows(sessions)
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert row.next_attempt_at == NOW + mailer.backoff(1)
    up = mailer.SmtpTransport(url)
    assert (await mailer.drain(sessions, up, clock, FROM)).sent == 0  # not before the back-off
    clock.advance(mailer.backoff(1))
    assert (await mailer.drain(sessions, up, clock, FROM)).sent == 1
    (row,) = await _rows(sessions)
    assert (row.attempts, row.last_error, row.sent_at) == (2, None, clock.now())
    assert len(inbox.messages) == 1


async def test_a_claimed_email_is_left_to_its_sender_until_the_lease_ends(
    sessions: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    await _queue(sessions)
    clock = FixedClock(NOW)
    assert await mailer.claim(sessions, NOW, 1) != []  # a sender that then died
    assert (await mailer.drain(sessions, mailer.SmtpTransport(url), clock, FROM)).sent == 0
    clock.advance(mailer.LEASE)
    assert (await mailer.drain(sessions, mailer.SmtpTransport(url), clock, FROM)).sent == 1
    assert len(inbox.messages) == 1


async def test_two_drains_at_once_send_each_email_once(
    sessions: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    ids = await _queue(sessions, 12)
    transport = mailer.SmtpTransport(url)
    results = await asyncio.gather(
        *(mailer.drain(sessions, transport, FixedClock(NOW), FROM, batch=5) for _ in range(3))
    )
    assert sum(r.sent for r in results) == len(ids)
    assert sorted(str(m["Message-ID"]) for m in inbox.messages) == sorted(
        f"<outbox-{i}@peercet.test>" for i in ids
    )
    assert inbox.greetings <= 3  # a connection per drain, not per email


async def test_without_smtp_emails_are_written_as_eml_files(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    assert settings.smtp_url is None
    (email_id,) = await _queue(sessions)
    transport = mailer.transport_for(settings)
    assert (await mailer.drain(sessions, transport, FixedClock(NOW), FROM)).sent == 1
    (path,) = settings.outbox_dir.iterdir()
    assert path.name == f"outbox-{email_id}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    text, html = parts(message)
    assert LINK in text and "<html>" in html


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [mailer.backoff(n) for n in (1, 2, 3, 7, 12)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
