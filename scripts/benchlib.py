"""What the benchmark scripts share: the machine's figures, the service started as the
Procfile starts it, CPU accounting and percentiles. Imported by scripts/bench_*.py.

`service()` makes a fresh database (a SQLite file, or a throwaway PostgreSQL database on
PEERCET_TEST_PG), a private redis-server, runs `peercet db upgrade` and `peercet demo`,
then starts the Procfile's `web` and `worker` commands (through the shell, as honcho
does) pinned to SERVER_CPU, and stops everything afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.services import (  # noqa: E402
    DEFAULT_PG,
    free_port,
    postgres_database,
    redis_server,
    wait_for_port,
)

KEY = "bench-secret-key"
SERVER_CPU, CLIENT_CPU = {0}, {1}
# argon2id at its cheapest (peercet.core.settings._password_cost): for set-up, not measured
CHEAP_PASSWORDS = {"PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_KIB": "8",
                   "PASSWORD_PARALLELISM": "1"}  # fmt: skip


# -- the machine -----------------------------------------------------------------
def machine(db: str) -> dict[str, Any]:
    """Printed beside every figure: others may be running on this machine."""
    one, five, _ = os.getloadavg()
    return {
        "load_1m": round(one, 2), "load_5m": round(five, 2), "cpus": os.cpu_count(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version() if db == "postgresql" else None,
    }  # fmt: skip


def _postgres_version() -> str:
    import asyncpg  # type: ignore[import-untyped, unused-ignore]

    async def ask() -> str:
        conn = await asyncpg.connect(os.environ.get("PEERCET_TEST_PG", DEFAULT_PG), timeout=5)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    return asyncio.run(ask())


# -- accounting --------------------------------------------------------------------
def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    """The q-quantile of seconds, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def pid_on(port: int) -> int | None:
    """The redis-server listening on `port`."""
    out = subprocess.run(
        ["pgrep", "-f", f"redis-server.*--port {port}"], capture_output=True, text=True
    )
    pids = [int(x) for x in out.stdout.split()]
    return pids[0] if pids else None


def pin_client() -> None:
    os.sched_setaffinity(0, CLIENT_CPU)
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))


def _pin_server() -> None:
    os.sched_setaffinity(0, SERVER_CPU)
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))


# -- the database ----------------------------------------------------------------
@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database's URL (no migrations applied)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return
    with postgres_database() as url:
        yield url


# -- the service -------------------------------------------------------------------
@dataclass
class Service:
    url: str  # http://127.0.0.1:PORT
    port: int
    database_url: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)  # web, worker
    demo: dict[str, Any] = field(default_factory=dict)  # `peercet demo`'s last line

    def cpu(self) -> dict[str, float]:
        return {name: cpu_s(proc.pid) for name, proc in self.procs.items()}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _peercet(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/peercet"), *args], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return proc.stdout.strip().splitlines()[-1]


def _start(command: str, env: dict[str, str], quiet: bool) -> subprocess.Popen[bytes]:
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(
        ["/bin/sh", "-c", f"exec {command.strip()}"], cwd=ROOT, env=env,
        preexec_fn=_pin_server, stdout=out, stderr=out,
    )  # fmt: skip


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def service(db: str, env: dict[str, str] | None = None, worker: bool = True) -> Iterator[Service]:
    """The whole service on a fresh database, as the Procfile runs it; `env` is added to
    every process's environment (e.g. CHEAP_PASSWORDS)."""
    workdir = Path(tempfile.mkdtemp(prefix="peercet-bench-"))
    try:
        with redis_server(workdir) as redis_url, database(db, workdir) as url:
            redis_pid = pid_on(int(redis_url.rsplit(":", 1)[1].split("/")[0]))
            if redis_pid:
                os.sched_setaffinity(redis_pid, SERVER_CPU)
            port = free_port()
            environ = {
                **os.environ, "PATH": f"{ROOT / '.venv/bin'}:{os.environ['PATH']}",
                "DATABASE_URL": url, "REDIS_URL": redis_url, "SECRET_KEYS": KEY,
                "HOST": "127.0.0.1", "PORT": str(port), "OUTBOX_DIR": str(workdir / "outbox"),
                "UPLOAD_DIR": str(workdir / "uploads"), **(env or {}),
            }  # fmt: skip
            _peercet(environ, "db", "upgrade")
            demo = json.loads(_peercet(environ, "demo"))
            kinds = procfile()
            quiet = not os.environ.get("BENCH_VERBOSE")
            procs = {"web": _start(kinds["web"], environ, quiet)}
            if worker:
                procs["worker"] = _start(kinds["worker"], environ, quiet)
            try:
                wait_for_port(port, 60)
                yield Service(f"http://127.0.0.1:{port}", port, url, procs, demo)
            finally:
                _stop(procs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# -- the API, as a client speaks it (API.md) ------------------------------------------
COOKIE = "peercet_session"
PASSWORD = "bench-password-1"


def registration(i: int, tag: str) -> dict[str, str]:
    """POST /api/registrants's body for the i-th bench registrant of a run."""
    return {"email": f"bench{i}.{tag}@example.test", "password": PASSWORD,
            "name": f"Bench {i}", "goc_number": f"01-{400000 + i}",
            "profession": "optometrist"}  # fmt: skip


def cookie_of(response: Any) -> str:
    """The session cookie a response sets (the caller keeps it, not a shared jar)."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == COOKIE:
            return str(rest.split(";", 1)[0])
    raise RuntimeError(f"no session cookie: {response.status_code} {response.text[:200]}")


async def register(client: Any, body: dict[str, str]) -> str:
    response = await client.post("/api/registrants", json=body)
    if response.status_code != 201:
        raise RuntimeError(f"registration: {response.status_code} {response.text[:200]}")
    return cookie_of(response)


async def sign_in(client: Any, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/session", json={"email": email, "password": password})
    if response.status_code != 200:
        raise RuntimeError(f"sign-in: {response.status_code} {response.text[:200]}")
    return cookie_of(response)


def http_client(base_url: str, connections: int) -> Any:
    import httpx2

    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=300)
