#!/usr/bin/env python
"""Mail benchmark: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_mail.py [--n 100000] [--db postgresql] [--seconds 120]

It fills an outbox of N rows in a fresh SQLite file (or a throwaway PostgreSQL database
on PEERCET_TEST_PG), then drains it with the worker's own job (`workers.jobs.drain_outbox`,
called again whenever it returns, as its minutely cron would, until the outbox is empty
or SECONDS have passed) to (a) the file transport in a temporary directory and (b) a
local aiosmtpd sink in a process of its own (each transport as `transport_for` makes
it from OUTBOX_DIR or SMTP_URL, as the worker does), and prints emails per second for each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arq.connections import RedisSettings, create_pool
from sqlalchemy import func, insert, select, update

from peercet.core import migrate
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import load_settings
from peercet.core.tables import OutgoingEmail
from peercet.notify.mailer import Transport, transport_for
from tests.support.services import free_port, postgres_database, redis_server, wait_for_port
from workers import jobs
from workers.context import KEY, open_resources

NOW = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
TEXT = "Dear Ann,\n\nYour CET has fallen back to a reflective statement.\n\n{link}\n\nPeercet\n"
HTML = "<html><body><p>Dear Ann,</p><p>Your CET has fallen back.</p><p>{link}</p></body></html>"


def _rows(start: int, stop: int) -> list[dict[str, Any]]:
    link = "http://peercet.test/account/completions/{}/certificate?sig=abc"
    return [
        {
            "to_addr": f"r{i}@example.test",
            "subject": f"CET fallback {i}",
            "text_body": TEXT.format(link=link.format(i)),
            "html_body": HTML.format(link=link.format(i)),
            "created_at": NOW,
            "attempts": 0,
        }
        for i in range(start, stop)
    ]


async def fill(url: str, n: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    for start in range(0, n, 5000):
        async with transaction(sessions) as session:
            await session.execute(insert(OutgoingEmail), _rows(start, min(start + 5000, n)))
    await engine.dispose()


async def reset(url: str) -> None:
    engine = create_engine(url)
    async with transaction(session_factory(engine)) as session:
        await session.execute(
            update(OutgoingEmail).values(
                sent_at=None, attempts=0, last_error=None, next_attempt_at=None
            )
        )
    await engine.dispose()


async def drain(
    url: str, redis_url: str, transport: Transport, budget: float
) -> tuple[int, float, float]:
    """jobs.drain_outbox, run again and again until the outbox is empty or `budget` ends."""
    settings = load_settings({"DATABASE_URL": url, "REDIS_URL": redis_url})
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    res = open_resources(settings, pool, FixedClock(NOW), transport=transport)
    ctx = {KEY: res, "redis": pool}
    sent = 0
    started, cpu = time.perf_counter(), time.process_time()
    try:
        while time.perf_counter() - started < budget:
            result = await jobs.drain_outbox(ctx)
            sent += result["sent"]
            if result["sent"] + result["failed"] == 0:
                break
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        async with res.sessions() as session:
            unsent = await session.scalar(
                select(func.count()).where(OutgoingEmail.sent_at.is_(None))
            )
        if unsent:
            print(f"  ({unsent} left unsent when the {budget:.0f} s budget ended)")
    finally:
        await res.engine.dispose()
        await pool.aclose()
    return sent, elapsed, cpu


@contextmanager
def smtp_sink() -> Any:
    """aiosmtpd in a process of its own, accepting and discarding every message."""
    port = free_port()
    cmd = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
           "-l", f"127.0.0.1:{port}"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"smtp://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def report(label: str, sent: int, elapsed: float, cpu: float) -> None:
    """Wall-clock rate, and the rate per CPU-second of this (the draining) process, which
    depends less on what else the machine runs."""
    rate, per_cpu = sent / elapsed if elapsed else 0.0, sent / cpu if cpu else 0.0
    print(f"{label}: {sent} emails in {elapsed:.1f} s = {rate:,.0f} emails/s "
          f"({per_cpu:,.0f} per CPU-second of the drain)", flush=True)  # fmt: skip


def machine() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}, {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=120.0, help="budget per transport")
    args = parser.parse_args()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-mail-")))
        redis_url = stack.enter_context(redis_server(workdir))
        if args.db == "postgresql":
            url = stack.enter_context(postgres_database())
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        migrate.alembic_upgrade(url)
        started = time.perf_counter()
        asyncio.run(fill(url, args.n))
        print(f"{args.db}: {args.n} emails in the outbox in {time.perf_counter() - started:.1f} s")
        print(f"before: {machine()}", flush=True)
        outbox = transport_for(load_settings({"OUTBOX_DIR": str(workdir / "outbox")}))
        report("file transport", *asyncio.run(drain(url, redis_url, outbox, args.seconds)))
        asyncio.run(reset(url))
        with smtp_sink() as smtp_url:
            transport = transport_for(load_settings({"SMTP_URL": smtp_url}))
            report("SMTP (aiosmtpd)", *asyncio.run(drain(url, redis_url, transport, args.seconds)))
        print(f"after: {machine()}")


if __name__ == "__main__":
    main()
