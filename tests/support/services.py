"""Real services for the tests: a private redis-server and a throwaway PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import asyncpg
from aiosmtpd.controller import Controller

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[2]  # the checkout


TEST_SECRET_KEYS = "test-process-key-new,test-process-key-old"


def run_peercet(
    database_url: str,
    redis_url: str,
    *args: str,
    ok: bool = True,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any], str]:
    """`peercet ARGS` in a process of its own (with a signing key unless `env` says
    otherwise): its last line (JSON) and its stderr."""
    env = {"SECRET_KEYS": TEST_SECRET_KEYS, **os.environ, **(env or {})} | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "peercet.cli.main", *args], env=env, capture_output=True, text=True
    )
    assert (proc.returncode == 0) is ok, proc.stderr
    last: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return last, proc.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: apt-get install redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def _admin_url() -> str:
    return os.environ.get("PEERCET_TEST_PG", DEFAULT_PG)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_admin_url(), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of our own on the server PEERCET_TEST_PG names, dropped afterwards."""
    name = f"peercet_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"PostgreSQL tests need a server: none answers at {_admin_url()} ({exc}). "
            "Install it (apt-get install postgresql) or set PEERCET_TEST_PG; "
            "scripts/test starts a throwaway cluster when initdb is available."
        ) from exc
    base = _admin_url().rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Inbox:
    """aiosmtpd handler: keeps every message received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.greetings = 0  # one EHLO per connection

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings += 1
        session.host_name = hostname  # this hook's duty in aiosmtpd
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@contextmanager
def smtp_server(inbox: Inbox) -> Iterator[str]:
    """A real SMTP server (aiosmtpd) on a free port, handled by `inbox`; its URL."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()
