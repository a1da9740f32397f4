"""Sending the outbox: SMTP (`SMTP_URL`), or .eml files under `var/outbox/` without it.

Each row is claimed in its own transaction before it is sent (attempts + 1, and a lease
in `next_attempt_at`), then marked sent in another: a retried or concurrent job skips a
claimed row, and a row whose send failed stays unsent with its error, to be retried
after a back-off. A sender killed between sending and marking leaves the row to be sent
again when its lease ends; the Message-ID is the row's, so the copy is recognisable.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.clock import Clock
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import OutgoingEmail

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 12
SMTP_TIMEOUT = 30.0


def backoff(attempts: int) -> timedelta:
    """1, 2, 4... minutes after the n-th failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


class SmtpTransport:
    """`smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://` (TLS).
    One connection serves a whole drain; after any error the next send reconnects."""

    def __init__(self, url: str, timeout: float = SMTP_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP_URL must be smtp://host:port or smtps://host:port: {url}")
        tls = parts.scheme == "smtps"
        self.options: dict[str, Any] = {
            "hostname": parts.hostname,
            "port": parts.port or (465 if tls else 25),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": tls,
            "timeout": timeout,
        }
        self.client: aiosmtplib.SMTP | None = None
        self.lock = asyncio.Lock()  # concurrent drains share the worker's transport

    async def send(self, message: EmailMessage) -> None:
        async with self.lock:
            if self.client is None or not self.client.is_connected:
                self.client = aiosmtplib.SMTP(**self.options)
                await self.client.connect()
            try:
                await self.client.send_message(message)
            except BaseException:
                await self._close()
                raise

    async def close(self) -> None:
        async with self.lock:
            await self._close()

    async def _close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


@dataclass(frozen=True)
class FileTransport:
    """Development: each email as an .eml file, written atomically, named by its row."""

    directory: Path

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").split("@")[0]
        path = self.directory / f"{name}.eml"
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, path)

    async def close(self) -> None:
        return None


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return FileTransport(settings.outbox_dir)


def build_message(row: OutgoingEmail, mail_from: str) -> EmailMessage:
    """Plain text with an HTML alternative; the Message-ID is derived from the row."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "peercet.invalid"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = f"<outbox-{row.id}@{domain}>"
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def _due(now: datetime) -> list[Any]:
    return [
        OutgoingEmail.sent_at.is_(None),
        OutgoingEmail.attempts < MAX_ATTEMPTS,
        or_(OutgoingEmail.next_attempt_at.is_(None), OutgoingEmail.next_attempt_at <= now),
    ]


async def _due_ids(sessions: async_sessionmaker[AsyncSession], now: datetime, n: int) -> list[int]:
    async with sessions() as session:
        ids = await session.scalars(
            select(OutgoingEmail.id).where(*_due(now)).order_by(OutgoingEmail.id).limit(n)
        )
        return list(ids)


async def _claim(
    sessions: async_sessionmaker[AsyncSession], email_id: int, now: datetime
) -> OutgoingEmail | None:
    async with transaction(sessions) as session:
        result = await session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, *_due(now))
            .values(attempts=OutgoingEmail.attempts + 1, next_attempt_at=now + LEASE)
            .returning(OutgoingEmail)
        )
        return result.scalar_one_or_none()


async def _record(
    sessions: async_sessionmaker[AsyncSession], row: OutgoingEmail, error: str | None, now: datetime
) -> None:
    if error is None:
        values: dict[str, object] = {"sent_at": now, "last_error": None, "next_attempt_at": None}
    else:
        values = {"last_error": error[:2000], "next_attempt_at": now + backoff(row.attempts)}
    async with transaction(sessions) as session:
        await session.execute(
            update(OutgoingEmail).where(OutgoingEmail.id == row.id).values(**values)
        )


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0


async def send_one(
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    clock: Clock,
    email_id: int,
    mail_from: str,
) -> bool | None:
    """Claim, send and mark one row: True sent, False failed, None not ours to send."""
    row = await _claim(sessions, email_id, clock.now())
    if row is None:
        return None
    try:
        await transport.send(build_message(row, mail_from))
    except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
        await _record(sessions, row, f"{type(exc).__name__}: {exc}", clock.now())
        level = logging.ERROR if row.attempts >= MAX_ATTEMPTS else logging.WARNING
        log.log(level, "email %s to %s failed (attempt %d): %s", row.id, row.to_addr,
                row.attempts, exc)  # fmt: skip
        return False
    await _record(sessions, row, None, clock.now())
    return True


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    clock: Clock,
    mail_from: str,
    max_seconds: float | None = None,
    batch: int = 100,
) -> DrainResult:
    """Send every due row (until `max_seconds` have passed, if given)."""
    result = DrainResult()
    started = time.monotonic()
    try:
        while max_seconds is None or time.monotonic() - started < max_seconds:
            ids = await _due_ids(sessions, clock.now(), batch)
            if not ids:
                break
            for email_id in ids:
                outcome = await send_one(sessions, transport, clock, email_id, mail_from)
                result.sent += outcome is True
                result.failed += outcome is False
    finally:
        await transport.close()
    return result
