"""Where the outbox's emails go: an SMTP server, or .eml files in a directory."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from peercet.core.settings import Settings
from peercet.notify.mime import Outgoing

SMTP_TIMEOUT = 30.0
SMTP_CONNECTIONS = 3  # one connection sends about 1,000 emails/s to a local server


class Transport(Protocol):
    concurrency: int  # how many sends a drain may have under way at once

    async def send(self, email: Outgoing) -> None: ...

    async def close(self) -> None: ...


class Unreachable(ConnectionError):
    """No connection to the mail server: the rest of the batch fails with it, unsent."""


class SmtpTransport:
    """`smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://` (TLS).
    Up to `connections` connections serve a whole drain (shared by concurrent drains);
    after any error the connection is dropped and the next send opens another."""

    def __init__(self, url: str, timeout: float = SMTP_TIMEOUT, connections: int = 1) -> None:
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
        self.concurrency = connections
        self.slots = asyncio.Semaphore(connections)
        self.idle: list[aiosmtplib.SMTP] = []

    async def send(self, email: Outgoing) -> None:
        async with self.slots:
            client = await self._client()
            try:
                await client.sendmail(email.sender, [email.recipient], email.data)
            except BaseException:
                await _quit(client)
                raise
            self.idle.append(client)

    async def _client(self) -> aiosmtplib.SMTP:
        while self.idle:
            client = self.idle.pop()
            if client.is_connected:
                return client
        client = aiosmtplib.SMTP(**self.options)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        return client

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for client in idle:
            await _quit(client)


async def _quit(client: aiosmtplib.SMTP) -> None:
    if client.is_connected:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


@dataclass(frozen=True)
class FileTransport:
    """Development: each email as an .eml file, written atomically, named by its row."""

    directory: Path
    concurrency = 1

    async def send(self, email: Outgoing) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"outbox-{email.email_id}.eml"
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(email.data)
        os.replace(temporary, path)

    async def close(self) -> None:
        return None


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, connections=SMTP_CONNECTIONS)
    return FileTransport(settings.outbox_dir)
