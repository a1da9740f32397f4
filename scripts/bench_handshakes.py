#!/usr/bin/env python
"""Handshake benchmark (issue 16.3): prints figures, asserts nothing.

    .venv/bin/python scripts/bench_handshakes.py [--n 2000] [--db postgresql] [--concurrency 100]

The service runs as the Procfile runs it, web AND worker (scripts/benchlib.py), pinned
to CPU 0; this process drives it from CPU 1. Set-up, all through the API: N registrants
register and sign in (POST /api/registrants, POST /api/session; the sign-in's cookie is
kept), pass the exam of the demo catalogue's interactive course C-10421 and choose the
discussion, so that they are paired. Set-up runs with the cheapest argon2 costs: no
handshake hashes a password (scripts/bench_accounts.py measures that).

Measured: every registrant in a discussion opens `/ws` with its session cookie and sends
`join`; one handshake lasts from the TCP connect to the `joined` answer. Reported:
sockets/s over the whole run (up to --concurrency handshakes at once), p50/p99, the web
and worker CPU shares meanwhile; then the same count against a bare `websockets` server
(answering every frame with `joined`) on the same CPU, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    CHEAP_PASSWORDS,
    COOKIE,
    ROOT,
    Service,
    _pin_server,
    cpu_s,
    http_client,
    machine,
    pct,
    pin_client,
    register,
    registration,
    service,
    sign_in,
)
from websockets.asyncio.client import ClientConnection, connect

from tests.support.services import free_port, wait_for_port

COURSE = "C-10421"  # interactive, for optometrists, in the demo catalogue


def _answers(course: dict[str, Any]) -> dict[str, int]:
    """The right option of each question, matched by text with the catalogue file."""
    bundled = json.loads((ROOT / "peercet/cli/data/catalogue.json").read_text())
    spec = next(c for c in bundled if c["ref"] == COURSE)
    right = {q["text"]: q["options"][q["answer"]] for q in spec["questions"]}
    return {
        str(q["id"]): next(o["id"] for o in q["options"] if o["text"] == right[q["text"]])
        for q in course["questions"]
    }


async def _enrol(client: Any, i: int, tag: str, answers: dict[str, int]) -> tuple[str, int]:
    """Registered, signed in, passed, chose the discussion: (cookie, completion id)."""
    body = registration(i, tag)
    await register(client, body)
    token = await sign_in(client, body["email"])
    head = {"Cookie": f"{COOKIE}={token}"}
    passed = await client.post(
        f"/api/courses/{COURSE}/attempts", json={"answers": answers}, headers=head
    )
    completion = passed.json()["completion"]["id"]
    chosen = await client.post(
        f"/api/completions/{completion}/choice", json={"mode": "interactive"}, headers=head
    )
    if chosen.status_code != 200:
        raise RuntimeError(f"choice: {chosen.status_code} {chosen.text[:200]}")
    return token, completion


async def set_up(svc: Service, n: int, concurrency: int) -> list[tuple[str, int]]:
    """(cookie, discussion) of every bench registrant that was paired."""
    tag = uuid.uuid4().hex[:6]
    limit = asyncio.Semaphore(concurrency)
    async with http_client(svc.url, concurrency) as client:
        demo = svc.demo["accounts"][0]
        head = {"Cookie": f"{COOKIE}={await sign_in(client, demo['email'], demo['password'])}"}
        answers = _answers((await client.get(f"/api/courses/{COURSE}", headers=head)).json())

        async def one(i: int) -> tuple[str, int]:
            async with limit:
                return await _enrol(client, i, tag, answers)

        t0 = time.monotonic()
        enrolled = await asyncio.gather(*(one(i) for i in range(n)))
        took = time.monotonic() - t0
        print(f"set-up: {n} enrolled in {took:.1f}s ({n / took:.0f}/s)", file=sys.stderr)
        return await _discussions(client, enrolled)


async def _discussions(client: Any, enrolled: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Pairing happens after the choice's commit: wait up to 30 s for every pair."""
    paired: dict[str, int] = {}
    deadline = time.monotonic() + 30
    while len(paired) < len(enrolled) - 1 and time.monotonic() < deadline:
        for token, cid in enrolled:
            if token in paired:
                continue
            got = await client.get(
                f"/api/completions/{cid}", headers={"Cookie": f"{COOKIE}={token}"}
            )
            if (did := got.json().get("discussion_id")) is not None:
                paired[token] = did
        await asyncio.sleep(0.5)
    return list(paired.items())


async def _handshake(port: int, token: str | None, discussion: int) -> tuple[Any, float]:
    t0 = time.monotonic()
    head = {"Cookie": f"{COOKIE}={token}"} if token else {}
    ws: ClientConnection = await connect(
        f"ws://127.0.0.1:{port}/ws", additional_headers=head, compression=None,
        max_queue=None, open_timeout=120, ping_interval=None,
    )  # fmt: skip
    await ws.send(json.dumps({"type": "join", "discussion": discussion, "after": 0}))
    while json.loads(await ws.recv())["type"] != "joined":
        pass
    return ws, time.monotonic() - t0


async def handshakes(
    port: int, who: list[tuple[str | None, int]], concurrency: int, pids: dict[str, int]
) -> dict[str, Any]:
    limit = asyncio.Semaphore(concurrency)

    async def one(token: str | None, discussion: int) -> tuple[Any, float]:
        async with limit:
            return await _handshake(port, token, discussion)

    cpu0 = {name: cpu_s(pid) for name, pid in pids.items()}
    own0 = time.process_time()
    t0 = time.monotonic()
    done = await asyncio.gather(*(one(t, d) for t, d in who))
    took = time.monotonic() - t0
    used = {name: cpu_s(pid) - cpu0[name] for name, pid in pids.items()}
    cpu = {f"{name}_cpu": round(s / took, 2) for name, s in used.items()}
    cpu |= {f"{name}_cpu_ms_per_socket": round(s / len(who) * 1000, 2) for name, s in used.items()}
    cpu["loadgen_cpu"] = round((time.process_time() - own0) / took, 2)
    for ws, _ in done:
        await ws.close()
    times = [t for _, t in done]
    return {
        "sockets": len(done), "sockets_per_s": round(len(done) / took, 1),
        "p50_ms": round(pct(times, 0.5), 1), "p99_ms": round(pct(times, 0.99), 1), **cpu,
    }  # fmt: skip


# -- the bare server, for comparison ------------------------------------------------------
def bare_server(port: int) -> None:
    """A `websockets` server answering every frame with `joined` (run in a subprocess)."""
    from websockets.asyncio.server import ServerConnection, serve

    async def answer(ws: ServerConnection) -> None:
        async for _ in ws:
            await ws.send('{"type": "joined"}')

    async def main() -> None:
        async with serve(answer, "127.0.0.1", port, compression=None, ping_interval=None):
            await asyncio.Future()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def bare(count: int, concurrency: int) -> dict[str, Any]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--bare-server", str(port)], preexec_fn=_pin_server
    )
    try:
        wait_for_port(port, 30)
        who: list[tuple[str | None, int]] = [(None, 1)] * count
        return asyncio.run(handshakes(port, who, concurrency, {"bare": proc.pid}))
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def profiled(path: str | None, pid: int) -> Iterator[None]:
    """py-spy (pip install py-spy) sampling the web process while the handshakes run."""
    if not path:
        yield
        return
    spy = ROOT / ".venv/bin/py-spy"
    cmd = [str(spy), "record", "--pid", str(pid), "--format", "raw", "-o", path, "-r", "250"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="registrants")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes at once")
    parser.add_argument("--setup-concurrency", type=int, default=20)
    parser.add_argument("--profile", help="py-spy's collapsed stacks of the web process here")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        return bare_server(args.bare_server)
    pin_client()
    with service(args.db, CHEAP_PASSWORDS) as svc:
        who = asyncio.run(set_up(svc, args.n, args.setup_concurrency))
        pids = {name: proc.pid for name, proc in svc.procs.items()}
        print(json.dumps({"service": args.db, **machine(args.db)}), flush=True)
        with profiled(args.profile, pids["web"]):
            found = asyncio.run(handshakes(svc.port, list(who), args.concurrency, pids))
        print(json.dumps({"peercet": found, "paired": len(who)}), flush=True)
    print(json.dumps({"bare_websockets": bare(len(who), args.concurrency),
                      **machine("sqlite")}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
