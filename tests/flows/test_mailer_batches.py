"""The outbox sent in batches: one claim for many rows, concurrent drains sending each
row once, a failed send failing only its row, killed or cancelled drains losing nothing,
and the fast rendering matching the email package's."""

from __future__ import annotations

import asyncio
import email
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.tables import OutgoingEmail
from peercet.notify import mailer
from peercet.notify.mime import Outgoing, build_message, render
from tests.support.services import Inbox, parts, smtp_server

NOW = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
FROM = "Peercet <no-reply@peercet.test>"
BAD = "nobody@example.test"


async def _outbox(sessions: async_sessionmaker[AsyncSession], to: list[str]) -> list[int]:
    async with transaction(sessions) as session:
        rows = [
            OutgoingEmail(
                to_addr=addr,
                subject=f"CET {i}",
                text_body=f"Dear {i},\n",
                html_body=f"<p>Dear {i}</p>",
                created_at=NOW,
            )
            for i, addr in enumerate(to)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> dict[int, OutgoingEmail]:
    async with sessions() as session:
        return {row.id: row for row in await session.scalars(select(OutgoingEmail))}


def _ids(inbox: Inbox) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in inbox.messages)


class Refusing(Inbox):
    """Refuses one recipient, as a server does for an unknown mailbox."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == BAD:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Refusing()
    with smtp_server(inbox) as url:
        yield inbox, url


async def test_one_claim_leases_a_batch_and_concurrent_claims_never_overlap(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _outbox(sessions, [f"r{i}@example.test" for i in range(25)])
    first, second = await asyncio.gather(
        mailer.claim(sessions, NOW, 10), mailer.claim(sessions, NOW, 10)
    )
    claimed = [row.id for row in first + second]
    assert len(first) == len(second) == 10 and len(set(claimed)) == 20
    rows = await _rows(sessions)
    assert all(rows[i].attempts == 1 and rows[i].next_attempt_at == NOW + mailer.LEASE
               for i in claimed)  # fmt: skip
    assert [row.id for row in await mailer.claim(sessions, NOW, 10)] == sorted(
        set(ids) - set(claimed)
    )
    assert await mailer.claim(sessions, NOW, 10) == []  # all leased


async def test_two_drains_at_once_in_batches_send_each_row_exactly_once(
    sessions: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    ids = await _outbox(sessions, [f"r{i}@example.test" for i in range(40)])
    results = await asyncio.gather(
        *(
            mailer.drain(
                sessions, mailer.SmtpTransport(url, connections=2), FixedClock(NOW), FROM, batch=7
            )
            for _ in range(2)
        )
    )
    assert sum(r.sent for r in results) == len(ids) and all(r.failed == 0 for r in results)
    assert _ids(inbox) == Counter(f"<outbox-{i}@peercet.test>" for i in ids)
    assert all(row.sent_at == NOW for row in (await _rows(sessions)).values())


async def test_a_failed_send_in_a_batch_leaves_only_that_row_unsent_with_its_error(
    sessions: async_sessionmaker[AsyncSession], refusing_smtp: tuple[Inbox, str]
) -> None:
    inbox, url = refusing_smtp
    ids = await _outbox(sessions, ["a@example.test", "b@example.test", BAD, "c@example.test"])
    result = await mailer.drain(sessions, mailer.SmtpTransport(url), FixedClock(NOW), FROM)
    assert (result.sent, result.failed) == (3, 1)
    rows = await _rows(sessions)
    bad = rows[ids[2]]
    assert bad.sent_at is None and bad.attempts == 1 and "no such mailbox" in str(bad.last_error)
    assert bad.next_attempt_at == NOW + mailer.backoff(1)
    for i in (ids[0], ids[1], ids[3]):
        assert (rows[i].sent_at, rows[i].attempts, rows[i].last_error) == (NOW, 1, None)
    assert sorted(m["To"] for m in inbox.messages) == ["a@example.test", "b@example.test",
                                                       "c@example.test"]  # fmt: skip


async def test_a_killed_drains_rows_are_sent_again_after_the_lease_with_their_message_id(
    sessions: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    ids = await _outbox(sessions, [f"r{i}@example.test" for i in range(5)])
    dying = mailer.SmtpTransport(url)
    for row in (await mailer.claim(sessions, NOW, 100))[:2]:  # sent, then killed: not marked
        await dying.send(render(row, FROM))
    await dying.close()
    clock = FixedClock(NOW)
    assert (await mailer.drain(sessions, mailer.SmtpTransport(url), clock, FROM)).sent == 0
    clock.advance(mailer.LEASE)
    assert (await mailer.drain(sessions, mailer.SmtpTransport(url), clock, FROM)).sent == 5
    expected = Counter({f"<outbox-{i}@peercet.test>": 2 if i in ids[:2] else 1 for i in ids})
    assert _ids(inbox) == expected  # the copies are recognisable by their Message-ID


class Stalling:
    """Writes files, and hangs on the third email as a server that stopped answering."""

    concurrency = 1

    def __init__(self, directory: Path) -> None:
        self.files = mailer.FileTransport(directory)
        self.stalled = asyncio.Event()
        self.count = 0

    async def send(self, email: Outgoing) -> None:
        self.count += 1
        if self.count == 3:
            self.stalled.set()
            await asyncio.Event().wait()
        await self.files.send(email)

    async def close(self) -> None:
        return None


async def test_a_cancelled_drain_marks_what_it_sent_and_hands_back_what_it_never_tried(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    ids = await _outbox(sessions, [f"r{i}@example.test" for i in range(5)])
    outbox = tmp_path / "outbox"
    stalling = Stalling(outbox)
    clock = FixedClock(NOW)
    job = asyncio.create_task(mailer.drain(sessions, stalling, clock, FROM))
    await stalling.stalled.wait()
    job.cancel()  # arq's job timeout
    with pytest.raises(asyncio.CancelledError):
        await job
    rows = await _rows(sessions)
    assert [rows[i].sent_at for i in ids[:2]] == [NOW, NOW]
    assert (rows[ids[2]].sent_at, rows[ids[2]].next_attempt_at) == (None, NOW + mailer.LEASE)
    assert [(rows[i].attempts, rows[i].next_attempt_at) for i in ids[3:]] == [(0, None)] * 2
    files = mailer.FileTransport(outbox)
    assert (await mailer.drain(sessions, files, clock, FROM)).sent == 2  # not the stalled one
    clock.advance(mailer.LEASE)
    assert (await mailer.drain(sessions, files, clock, FROM)).sent == 1
    assert sorted(p.name for p in outbox.iterdir()) == sorted(f"outbox-{i}.eml" for i in ids)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("CET completed", "Dear Ann,\n\nhttp://peercet.test/x?sig=a&b=c\n\nPeercet\n"),
        ("Seán's CET — fallen back " * 4, "Dear Seán Ó'Brien,\r\n" + "x" * 200 + " \n.\n=_\n"),
        ("no newline at the end", "--=_outbox-1\nFrom here"),
    ],
)
def test_the_fast_rendering_reads_as_the_email_packages(subject: str, body: str) -> None:
    row = OutgoingEmail(id=1, to_addr="ann@example.test", subject=subject, text_body=body,
                        html_body=f"<p>{body}</p>", created_at=NOW)  # fmt: skip
    fast = email.message_from_bytes(render(row, FROM).data, policy=default)
    slow = email.message_from_bytes(build_message(row, FROM).as_bytes(), policy=default)
    assert isinstance(fast, EmailMessage) and isinstance(slow, EmailMessage)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        assert str(fast[name]) == str(slow[name])
    assert parts(fast) == parts(slow) and not fast.defects
