"""Sending the outbox: SMTP (`SMTP_URL`), or .eml files under `var/outbox/` without it.

Rows are claimed in batches: one transaction takes up to `batch` due rows (attempts + 1,
and a lease in `next_attempt_at`; on PostgreSQL `FOR UPDATE SKIP LOCKED`, on SQLite
BEGIN IMMEDIATE serialises the claimers), then they are sent, then one transaction marks
the sent ones and gives each failed one its error and a back-off. A retried or
concurrent drain skips a claimed row while its lease holds, and a row whose send failed
stays unsent with its error, to be retried after the back-off. A sender killed between
sending and marking leaves its rows to be sent again when their lease ends; the
Message-ID is the row's, so a copy is recognisable. A drain cancelled part-way (the
job's timeout) still marks what it sent and hands back the rows it never tried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.clock import Clock
from peercet.core.db import transaction
from peercet.core.tables import OutgoingEmail
from peercet.notify.mime import render
from peercet.notify.transports import (
    FileTransport,
    SmtpTransport,
    Transport,
    Unreachable,
    transport_for,
)

# the transports are re-exported: callers make and hold them through this module
__all__ = ["FileTransport", "SmtpTransport", "Transport", "drain", "transport_for"]

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 12


def backoff(attempts: int) -> timedelta:
    """1, 2, 4... minutes after the n-th failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def _due(now: datetime) -> list[Any]:
    return [
        OutgoingEmail.sent_at.is_(None),
        OutgoingEmail.attempts < MAX_ATTEMPTS,
        or_(OutgoingEmail.next_attempt_at.is_(None), OutgoingEmail.next_attempt_at <= now),
    ]


async def claim(
    sessions: async_sessionmaker[AsyncSession], now: datetime, n: int, after: int = 0
) -> list[OutgoingEmail]:
    """Lease up to `n` due rows with ids above `after`, in one transaction, by id. The ids
    are read first: under `IN (SELECT ... LIMIT)` PostgreSQL may run the subquery more
    than once and lease more than `n`."""
    due = (
        select(OutgoingEmail.id)
        .where(OutgoingEmail.id > after, *_due(now))
        .order_by(OutgoingEmail.id)
        .limit(n)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders no such clause
    )
    async with transaction(sessions) as session:
        ids = list(await session.scalars(due))
        if not ids:
            return []
        result = await session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id.in_(ids))
            .values(attempts=OutgoingEmail.attempts + 1, next_attempt_at=now + LEASE)
            .returning(OutgoingEmail)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars(), key=lambda row: row.id)


@dataclass
class Outcome:
    """What became of a claimed batch: sent, failed (with the error), or never tried."""

    rows: Sequence[OutgoingEmail]
    sent: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    down: str | None = None

    def untried(self) -> list[int]:
        return [row.id for row in self.rows if row.id not in self.started]


async def _send(transport: Transport, row: OutgoingEmail, mail_from: str, out: Outcome) -> None:
    out.started.add(row.id)
    if out.down is not None:
        out.errors[row.id] = out.down
        return
    try:
        await transport.send(render(row, mail_from))
    except Unreachable as exc:
        out.down = out.errors[row.id] = str(exc)
    except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
        out.errors[row.id] = f"{type(exc).__name__}: {exc}"
    else:
        out.sent.append(row.id)


async def send_batch(
    transport: Transport, out: Outcome, mail_from: str, until: float | None = None
) -> None:
    """Send the batch, `transport.concurrency` at a time; none is started after `until`
    (time.monotonic())."""
    rows = iter(out.rows)

    async def sender() -> None:
        for row in rows:
            if until is not None and time.monotonic() >= until:
                return
            await _send(transport, row, mail_from, out)

    await asyncio.gather(*(sender() for _ in range(max(transport.concurrency, 1))))


async def record(sessions: async_sessionmaker[AsyncSession], out: Outcome, now: datetime) -> None:
    """One transaction: the sent rows marked, each failed one given its error and back-off,
    the untried ones handed back. A row whose send was cut short keeps its lease."""
    attempts = {row.id: row.attempts for row in out.rows}
    failed = [
        {"id": i, "last_error": error[:2000], "next_attempt_at": now + backoff(attempts[i])}
        for i, error in out.errors.items()
    ]
    untried = out.untried()
    async with transaction(sessions) as session:
        if out.sent:
            await session.execute(
                update(OutgoingEmail)
                .where(OutgoingEmail.id.in_(out.sent))
                .values(sent_at=now, last_error=None, next_attempt_at=None)
            )
        if failed:
            await session.execute(update(OutgoingEmail), failed)
        if untried:
            await session.execute(
                update(OutgoingEmail)
                .where(OutgoingEmail.id.in_(untried))
                .values(attempts=OutgoingEmail.attempts - 1, next_attempt_at=None)
            )
    _log_failures(out)


def _log_failures(out: Outcome) -> None:
    for row in out.rows:
        if row.id in out.errors:
            level = logging.ERROR if row.attempts >= MAX_ATTEMPTS else logging.WARNING
            log.log(level, "email %s to %s failed (attempt %d): %s", row.id, row.to_addr,
                    row.attempts, out.errors[row.id])  # fmt: skip


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0


async def drain_batch(
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    clock: Clock,
    mail_from: str,
    rows: Sequence[OutgoingEmail],
    until: float | None = None,
) -> Outcome:
    """Send claimed rows and record what became of them, also if cancelled part-way."""
    out = Outcome(rows)
    try:
        await send_batch(transport, out, mail_from, until)
    finally:
        await asyncio.shield(record(sessions, out, clock.now()))
    return out


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    clock: Clock,
    mail_from: str,
    max_seconds: float | None = None,
    batch: int = 500,
) -> DrainResult:
    """Send every due row (none started after `max_seconds`, if given): batches by id,
    then one more pass from the start for rows due again behind the cursor."""
    result = DrainResult()
    until = None if max_seconds is None else time.monotonic() + max_seconds
    after = 0
    try:
        while until is None or time.monotonic() < until:
            rows = await claim(sessions, clock.now(), batch, after)
            if not rows:
                if after == 0:
                    break
                after = 0
                continue
            after = rows[-1].id
            out = await drain_batch(sessions, transport, clock, mail_from, rows, until)
            result.sent += len(out.sent)
            result.failed += len(out.errors)
    finally:
        await transport.close()
    return result
