#!/usr/bin/env python
"""Load benchmark for /ws: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_ws.py pairs --pairs 50 500 2000 [--db postgresql] [--web 2]
    .venv/bin/python scripts/bench_ws.py idle --sockets 10000

It makes a fresh database (SQLite file, or a throwaway PostgreSQL database on
PEERCET_TEST_PG) and a private redis-server, seeds P pairs in open discussions,
starts the service as the Procfile does (`uvicorn web.app:app`, plus --uvicorn
options) pinned to CPU 0, and drives real sockets from this process on CPU 1.

pairs: every participant sends one message a second (random phase); latency is
from the send to the peer's receipt; lost = acknowledged but never received by
the peer; duplicated = a seq received twice on one socket.
idle: N open sockets, each joined to its discussion; server memory per socket.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from peercet.core import migrate  # noqa: E402
from peercet.core.db import create_engine  # noqa: E402
from peercet.core.settings import Settings  # noqa: E402
from peercet.core.tables import (  # noqa: E402
    Completion,
    Course,
    CoursePrompt,
    Discussion,
    DiscussionPrompt,
    Participant,
    Registrant,
)
from tests.support.services import free_port, redis_server, wait_for_port  # noqa: E402
from web.auth import COOKIE  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import benchlib  # noqa: E402
from benchlib import CLIENT_CPU, KEY, SERVER_CPU, cpu_s, pct, pid_on  # noqa: E402


def session_token(rid: int) -> str:
    """A session cookie's value, signed as the service signs it."""
    try:
        from peercet.core import signing  # type: ignore[attr-defined, unused-ignore]

        return str(signing.dumps([KEY], signing.SESSION, {"rid": rid}))
    except ImportError:
        from web.auth import serializer  # type: ignore[attr-defined, unused-ignore]

        return str(serializer(Settings(secret_keys=[KEY])).dumps({"rid": rid}))


PROFILE = os.environ.get("BENCH_PROFILE", "")  # a script to run instead of uvicorn (profiling)


# -- the database --------------------------------------------------------------
async def seed(url: str, pairs: int) -> list[tuple[int, int, int]]:
    """P pairs in open discussions: [(discussion, a, b)]."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        course_id = (
            await conn.execute(
                insert(Course).returning(Course.id),
                [{"ref": "C-90001", "title": "Bench", "summary": "", "professions": ["optometrist"],
                  "competencies": [], "points": 1, "interactive": True, "pass_mark": 1,
                  "updated_at": now}],
            )
        ).scalar_one()  # fmt: skip
        await conn.execute(
            insert(CoursePrompt),
            [{"course_id": course_id, "position": i, "text": f"Prompt {i}?"} for i in range(2)],
        )
        people = [
            {"email": f"bench{i}@example.test", "password_hash": "x", "name": f"Bench {i}",
             "goc_number": f"01-{10000 + i}", "profession": "optometrist", "role": "registrant",
             "created_at": now}
            for i in range(2 * pairs)
        ]  # fmt: skip
        await conn.execute(insert(Registrant), people)
        rids = list((await conn.execute(select(Registrant.id).order_by(Registrant.id))).scalars())
        await conn.execute(
            insert(Discussion),
            [{"course_id": course_id, "state": "open", "last_seq": 0, "created_at": now}] * pairs,
        )
        dids = list((await conn.execute(select(Discussion.id).order_by(Discussion.id))).scalars())
        await conn.execute(
            insert(DiscussionPrompt),
            [{"discussion_id": d, "position": i, "text": f"Prompt {i}?"}
             for d in dids for i in range(2)],
        )  # fmt: skip
        await conn.execute(
            insert(Completion),
            [{"registrant_id": r, "course_id": course_id, "cet_year": 2026, "cycle": "2025-2027",
              "state": "in_discussion", "passed_at": now, "deadline": now + timedelta(days=14),
              "fallback": False, "discussion_id": dids[i // 2]}
             for i, r in enumerate(rids)],
        )  # fmt: skip
        comps = dict((await conn.execute(select(Completion.registrant_id, Completion.id))).all())
        await conn.execute(
            insert(Participant),
            [{"discussion_id": dids[i // 2], "registrant_id": r, "completion_id": comps[r]}
             for i, r in enumerate(rids)],
        )  # fmt: skip
    await engine.dispose()
    return [(d, rids[2 * i], rids[2 * i + 1]) for i, d in enumerate(dids)]


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    with benchlib.database(kind, workdir) as url:
        migrate.alembic_upgrade(url)
        yield url


# -- the service -----------------------------------------------------------------
@contextlib.contextmanager
def web(url: str, redis_url: str, n: int, extra: list[str], env: dict[str, str]) -> Iterator[
    list[tuple[int, subprocess.Popen[bytes]]]
]:  # fmt: skip
    procs = []
    for _ in range(n):
        port = free_port()
        runner = [sys.executable, PROFILE] if PROFILE else [str(ROOT / ".venv/bin/uvicorn")]
        cmd = [
            *runner,
            "web.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            *extra,
        ]
        environ = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
                   "SECRET_KEYS": KEY, "PORT": str(port), **env}  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, preexec_fn=benchlib._pin_server)
        procs.append((port, proc))
    try:
        for port, _ in procs:
            wait_for_port(port, 30)
        yield procs
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # 10,000 sockets can take longer to close
                proc.kill()
                proc.wait()


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- the load ----------------------------------------------------------------------
@dataclass
class Stats:
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (sent at, latency)
    acks: list[tuple[float, float]] = field(default_factory=list)
    sent: int = 0
    acked: set[str] = field(default_factory=set)
    received: set[str] = field(default_factory=set)
    duplicates: int = 0
    gaps: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)  # close code: sockets


COMPRESSION: list[str | None] = [None]  # "deflate" with --deflate: the client offers it too


async def open_socket(port: int, rid: int, discussion: int) -> ClientConnection:
    token = session_token(rid)
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws", additional_headers={"Cookie": f"{COOKIE}={token}"},
        compression=COMPRESSION[0], max_queue=None, open_timeout=120, ping_interval=None,
    )  # fmt: skip
    await ws.send(json.dumps({"type": "join", "discussion": discussion, "after": 0}))
    while json.loads(await ws.recv())["type"] != "joined":
        pass
    return ws


async def reader(ws: ClientConnection, rid: int, stats: Stats) -> None:
    try:
        await _read(ws, rid, stats)
    except ConnectionClosed as exc:
        code = str(exc.rcvd.code if exc.rcvd else "none")
        stats.closed[code] = stats.closed.get(code, 0) + 1


async def _read(ws: ClientConnection, rid: int, stats: Stats) -> None:
    last = 0
    async for raw in ws:
        frame = json.loads(raw)
        kind = frame["type"]
        if kind == "error":
            stats.errors[frame["code"]] = stats.errors.get(frame["code"], 0) + 1
            continue
        if kind != "message":
            continue
        seq = frame["seq"]
        if seq <= last:
            stats.duplicates += 1
            continue
        if seq != last + 1:
            stats.gaps += 1
        last = seq
        sent_at, cmid = frame["body"].split(" ", 1)
        now = time.monotonic()
        at = float(sent_at)
        if frame["author"] == rid:
            stats.acked.add(cmid)
            stats.acks.append((at, now - at))
        else:
            stats.received.add(cmid)
            stats.latencies.append((at, now - at))


async def sender(ws: ClientConnection, discussion: int, stats: Stats, until: float) -> None:
    await asyncio.sleep(random.random())
    tick = time.monotonic()
    while tick < until:
        cmid = uuid.uuid4().hex
        body = f"{time.monotonic():.6f} {cmid}"
        frame = {"type": "say", "discussion": discussion, "client_msg_id": cmid, "body": body}
        await ws.send(json.dumps(frame))
        stats.sent += 1
        tick += 1.0
        await asyncio.sleep(max(0.0, tick - time.monotonic()))


async def connect_all(
    ports: list[int], pairs: list[tuple[int, int, int]], concurrency: int = 100
) -> list[tuple[ClientConnection, int, int]]:
    """Both sides of each pair; with two web processes, a and b are on different ones."""
    limit = asyncio.Semaphore(concurrency)
    jobs = [(ports[i % len(ports)], a, d) for d, a, _ in pairs for i in (0,)]
    jobs += [(ports[(i + 1) % len(ports)], b, d) for d, _, b in pairs for i in (0,)]

    async def one(port: int, rid: int, d: int) -> tuple[ClientConnection, int, int]:
        async with limit:
            return await open_socket(port, rid, d), rid, d

    return list(await asyncio.gather(*(one(*job) for job in jobs)))


async def drain(stats: Stats, quiet: float = 5.0) -> None:
    """Wait for the backlog: until everything sent is acknowledged and received, or
    nothing has moved for `quiet` seconds."""
    progress, moved = -1, time.monotonic()
    while time.monotonic() - moved < quiet:
        if len(stats.acked) == stats.sent and stats.acked <= stats.received:
            break
        now = len(stats.acked) + len(stats.received)
        if now != progress:
            progress, moved = now, time.monotonic()
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)


async def run_pairs(
    ports: list[int], pids: list[int], pairs: list[tuple[int, int, int]], args: argparse.Namespace
) -> dict[str, object]:
    stats = Stats()
    sockets = await connect_all(ports, pairs)
    gc.collect()
    gc.freeze()
    gc.disable()  # the load generator's own collector pauses would show up as latency
    readers = [asyncio.create_task(reader(ws, rid, stats)) for ws, rid, _ in sockets]
    start = time.monotonic()
    until = start + args.warmup + args.seconds
    cpu0 = (sum(cpu_s(pid) for pid in pids), own_cpu_s())
    senders = [asyncio.create_task(sender(ws, d, stats, until)) for ws, _, d in sockets]
    await asyncio.gather(*senders)
    window = (start + args.warmup, until)
    elapsed = time.monotonic() - start
    server_cpu = (sum(cpu_s(pid) for pid in pids) - cpu0[0]) / elapsed
    client_cpu = (own_cpu_s() - cpu0[1]) / elapsed
    await drain(stats)
    for ws, _, _ in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    lost = len(stats.acked - stats.received)
    lat = [x for at, x in stats.latencies if window[0] <= at < window[1]]
    if os.environ.get("BENCH_TIMELINE"):  # the worst latency per 250 ms of send time
        worst: dict[int, float] = {}
        for at, x in stats.latencies:
            slot = int((at - start) * 4)
            worst[slot] = max(worst.get(slot, 0), x)
        print({k / 4: round(v * 1000) for k, v in sorted(worst.items())}, file=sys.stderr)
    acks = [x for at, x in stats.acks if window[0] <= at < window[1]]
    return {
        "sent": stats.sent, "acked": len(stats.acked), "delivered": len(stats.received),
        "delivered_per_s": round(len(lat) / args.seconds, 1),
        "p50_ms": round(pct(lat, 0.5), 1), "p99_ms": round(pct(lat, 0.99), 1),
        "max_ms": round(max(lat, default=0) * 1000, 1),
        "ack_p50_ms": round(pct(acks, 0.5), 1), "ack_p99_ms": round(pct(acks, 0.99), 1),
        "lost": lost, "duplicated": stats.duplicates, "gaps": stats.gaps,
        "unacked": stats.sent - len(stats.acked), "errors": stats.errors,
        "closed": stats.closed,
        "server_cpu": round(server_cpu, 2), "loadgen_cpu": round(client_cpu, 2),
        "loadavg": os.getloadavg()[0],
    }  # fmt: skip


async def run_idle(
    ports: list[int], procs: list[subprocess.Popen[bytes]], pairs: list[tuple[int, int, int]]
) -> dict[str, object]:
    await asyncio.sleep(1)
    before = sum(rss_kb(p.pid) for p in procs)
    t0 = time.monotonic()
    half = len(pairs) // 2
    sockets = await connect_all(ports, pairs[:half])
    await asyncio.sleep(2)
    middle = sum(rss_kb(p.pid) for p in procs)
    sockets += await connect_all(ports, pairs[half:])
    took = time.monotonic() - t0
    await asyncio.sleep(3)
    after = sum(rss_kb(p.pid) for p in procs)
    n = len(sockets)
    slope = (after - middle) / (n - 2 * half) if n > 2 * half else (after - middle) / (n / 2)
    pings = await asyncio.gather(*(ws.ping() for ws, _, _ in sockets[:200]))
    t1 = time.monotonic()
    await asyncio.gather(*pings)
    ping_ms = (time.monotonic() - t1) * 1000
    for ws, _, _ in sockets:
        await ws.close()
    return {
        "sockets": n, "connect_s": round(took, 1), "rss_before_mb": round(before / 1024, 1),
        "rss_after_mb": round(after / 1024, 1), "kb_per_socket": round((after - before) / n, 1),
        "kb_per_socket_second_half": round(slope, 1),
        "200_pings_ms": round(ping_ms, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["pairs", "idle"])
    parser.add_argument("--pairs", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--web", type=int, default=1, help="web processes")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--deflate", action="store_true", help="keep per-message deflate on")
    parser.add_argument("--no-gc-tune", action="store_true", help="PEERCET_GC_TUNE=0")
    args = parser.parse_args()
    os.sched_setaffinity(0, CLIENT_CPU)
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    extra = ["--ws-max-size", "1048576"]  # as in the Procfile
    extra += [] if args.deflate else ["--ws-per-message-deflate", "false"]
    COMPRESSION[0] = "deflate" if args.deflate else None
    env = {"PEERCET_GC_TUNE": "0"} if args.no_gc_tune else {}
    sizes = [args.sockets // 2] if args.mode == "idle" else args.pairs
    for p in sizes:
        print(json.dumps(one_run(args, p, extra, env)), flush=True)


def one_run(
    args: argparse.Namespace, p: int, extra: list[str], env: dict[str, str]
) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="peercet-bench-"))
    try:
        with redis_server(workdir) as redis_url, database(args.db, workdir) as url:
            pairs = asyncio.run(seed(url, p))
            redis_pid = pid_on(int(redis_url.rsplit(":", 1)[1].split("/")[0]))
            if redis_pid:
                os.sched_setaffinity(redis_pid, SERVER_CPU)
            with web(url, redis_url, args.web, extra, env) as procs:
                ports = [port for port, _ in procs]
                head = {"mode": args.mode, "db": args.db, "web": args.web,
                        "deflate": args.deflate, "gc_tune": not args.no_gc_tune}  # fmt: skip
                if args.mode == "idle":
                    return head | asyncio.run(run_idle(ports, [pr for _, pr in procs], pairs))
                pids = [proc.pid for _, proc in procs]
                return head | {"pairs": p} | asyncio.run(run_pairs(ports, pids, pairs, args))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
