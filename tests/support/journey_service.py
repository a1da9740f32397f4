"""The service started the way the README starts it (`scripts/start`: migrations, demo,
honcho running the Procfile's web and worker), in its own process group, for the
end-to-end test; and the controls the test drives it with (the CLI, the worker's queue)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arq.connections import RedisSettings, create_pool

from tests.support.services import ROOT, free_port


@dataclass(frozen=True)
class Service:
    base: str
    env: dict[str, str]
    outbox: Path
    log: Path

    def cli(self, *args: str) -> dict[str, Any]:
        """`peercet ARGS` with the service's environment; its last stdout line is JSON."""
        done = subprocess.run(
            [str(ROOT / ".venv/bin/peercet"), *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def drain_outbox(self) -> None:
        """Ask the running worker to send the outbox now (rather than at its next minute)."""

        async def enqueue() -> None:
            pool = await create_pool(RedisSettings.from_dsn(self.env["REDIS_URL"]))
            try:
                await pool.enqueue_job("drain_outbox")
            finally:
                await pool.aclose()

        # Playwright's sync API holds this thread's event loop: enqueue from another thread.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, enqueue()).result(10)

    def emails_to(self, address: str, subject: str, timeout: float = 15.0) -> list[str]:
        """The .eml files written for `address` with `subject`, waiting for one."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                text
                for path in sorted(self.outbox.glob("**/*.eml"))
                if f"To: {address}\nSubject: {subject}"
                in (text := path.read_text(encoding="utf-8", errors="replace"))
            ]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def start_environment(redis_url: str, tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SMTP_URL", "BASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'journey.db'}",
        REDIS_URL=redis_url,
        PORT=str(port),
        HOST="127.0.0.1",
        SECRET_KEYS="journey-test-key-1,journey-test-key-0",
        OUTBOX_DIR=str(tmp / "outbox"),
        UPLOAD_DIR=str(tmp / "uploads"),
    )
    return env


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The whole group: honcho stops web and worker on SIGTERM; then nothing is left."""
    _signal_group(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(10)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait(5)


@contextmanager
def started(
    redis_url: str, tmp: Path, timeout: float = 40.0, key_file: Path | None = None
) -> Iterator[Service]:
    """`scripts/start` serving; with `key_file`, no SECRET_KEYS: the script's own key."""
    port = free_port()
    env = start_environment(redis_url, tmp, port)
    if key_file is not None:
        del env["SECRET_KEYS"]
        env["SECRET_KEY_FILE"] = str(key_file)
    log = tmp / "service.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts/start")], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(base):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"scripts/start did not serve {base}:\n{log.read_text()}")
            time.sleep(0.1)
        yield Service(base, env, tmp / "outbox", log)
    finally:
        _stop(process)
