"""Support for transport tests: uvicorn really serving (in a thread or as a process),
session cookies and a small `websockets` client (the rows they use: tests.support.factories)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from peercet.core import signing
from peercet.core.clock import Clock
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.services import ROOT, free_port, wait_for_port
from web.app import create_app
from web.auth import COOKIE

# An HTTP client's timeout in these tests: long enough for a machine with every core busy
# (httpx's default of 5 s is not); pytest's own timeout still stops a hang.
HTTP_TIMEOUT = 60.0

os.environ.setdefault("PEERCET_GC_TUNE", "0")  # keep the test process's collector as is
TIMEOUT = 30.0  # a frame that should come: generous, for a machine with every core busy


@contextmanager
def serve(settings: Settings, clock: Clock | None = None) -> Iterator[str]:
    """The app under uvicorn in a thread, on a free port; yields its http:// base."""
    port = free_port()
    here = replace(settings, base_url=f"http://127.0.0.1:{port}")  # its origin is allowed
    config = uvicorn.Config(
        create_app(here, clock), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)


def environment(settings: Settings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEYS": ",".join(settings.secret_keys),
        "FRAME_RATE": str(settings.frame_rate),
        "FRAME_BURST": str(settings.frame_burst),
        "PORT": str(port),
        **f.CHEAP_PASSWORDS,
    }


@contextmanager
def web_process(settings: Settings) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A `web` process as the Procfile starts it."""
    port = free_port()
    proc = subprocess.Popen(
        [*procfile_command("web", port), "--log-level", "warning"],
        env=environment(settings, port),
    )
    try:
        wait_for_port(port, 20)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(TIMEOUT)


def procfile_command(name: str, port: int) -> list[str]:
    """The Procfile's line for process `name`, as honcho would run it on `port`
    (with this interpreter), so tests exercise the flags production uses."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            env = {"PORT": str(port), "HOST": "127.0.0.1"}
            words = shlex.split(_defaults(command, env))
            return [sys.executable, "-m", *words]
    raise LookupError(f"no {name!r} process in the Procfile")


def _defaults(command: str, env: dict[str, str]) -> str:
    """The shell's ${NAME:-default}, with `env` over the default."""
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m[1], m[2]), command)


def cookie(settings: Settings, registrant_id: int, clock: Clock | None = None) -> str:
    """A session cookie as the server on `clock` would have signed it."""
    token = signing.dumps(settings.secret_keys, signing.SESSION, {"rid": registrant_id}, clock)
    return f"{COOKIE}={token}"


class Client:
    """A test's view of one socket: send frames, wait for the frames it expects."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def send(self, **frame: Any) -> None:
        await self.conn.send(json.dumps(frame))

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
        return data

    async def expect(self, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next frame of type `kind`, skipping presence and typing frames."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == kind:
                return frame
            if frame["type"] not in ("presence", "typing"):
                raise AssertionError(f"expected {kind}, got {frame}")

    async def messages(self, count: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        return [await self.expect("message", timeout) for _ in range(count)]

    async def join(self, discussion: int, after: int = 0) -> dict[str, Any]:
        await self.send(type="join", discussion=discussion, after=after)
        return await self.expect("joined")

    async def say(self, discussion: int, cmid: str, body: str, prompt: int | None = None) -> None:
        frame: dict[str, Any] = {"discussion": discussion, "client_msg_id": cmid, "body": body}
        if prompt is not None:
            frame["prompt"] = prompt
        await self.send(type="say", **frame)

    async def quiet(self, wait: float = 0.3) -> list[dict[str, Any]]:
        """Frames (other than presence/typing) that arrive within `wait` seconds."""
        got = []
        try:
            while True:
                frame = await self.recv(wait)
                if frame["type"] not in ("presence", "typing"):
                    got.append(frame)
        except TimeoutError:
            return got


@asynccontextmanager
async def client(
    base: str,
    settings: Settings,
    registrant_id: int | None,
    origin: str | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[Client]:
    headers = {} if registrant_id is None else {"Cookie": cookie(settings, registrant_id, clock)}
    url = base.replace("http://", "ws://") + "/ws"
    async with connect(url, additional_headers=headers, origin=origin) as conn:  # type: ignore[arg-type]
        yield Client(conn)
