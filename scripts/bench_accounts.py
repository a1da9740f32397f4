#!/usr/bin/env python
"""Registrations and sign-ins benchmark (issue 16.6): prints figures, asserts nothing.

    .venv/bin/python scripts/bench_accounts.py [--n 300] [--db postgresql] \
        [--cost default|cheap|both]

The service runs as the Procfile runs it, web and worker (scripts/benchlib.py), pinned to
CPU 0; this process drives it from CPU 1: N registrations (POST /api/registrants), then N
sign-ins (POST /api/session), --concurrency at a time. Per run: requests/s, p50/p99, and
the web process's CPU per request.

The hash's own cost is measured first, in this process pinned to CPU 0 before the service
starts (peercet.accounts.passwords with the same costs): one hash and one verification.
"CPU without the hash" is the web process's CPU per request minus that. `--cost cheap`
runs the service with argon2id at its minimum (PASSWORD_TIME_COST=1, PASSWORD_MEMORY_KIB=8,
PASSWORD_PARALLELISM=1), where what is left is the rest of the path, measured directly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    CHEAP_PASSWORDS,
    CLIENT_CPU,
    PASSWORD,
    SERVER_CPU,
    Service,
    http_client,
    machine,
    pct,
    pin_client,
    register,
    registration,
    service,
    sign_in,
)

from peercet.accounts.passwords import Cost, Passwords


def cost_of(name: str) -> Cost:
    if name == "default":
        return Cost()
    return Cost(time_cost=1, memory_kib=8, parallelism=1)


def hash_cost(cost: Cost, rounds: int = 20) -> dict[str, float]:
    """Milliseconds of one hash and one verification, on the server's CPU, alone."""
    os.sched_setaffinity(0, SERVER_CPU)
    try:
        hasher = Passwords(cost)
        stored = hasher.hash(PASSWORD)
        t0 = time.process_time()
        for _ in range(rounds):
            hasher.hash(PASSWORD)
        t1 = time.process_time()
        for _ in range(rounds):
            hasher.check(stored, PASSWORD)
        t2 = time.process_time()
    finally:
        os.sched_setaffinity(0, CLIENT_CPU)
    return {"hash_ms": round((t1 - t0) / rounds * 1000, 2),
            "verify_ms": round((t2 - t1) / rounds * 1000, 2)}  # fmt: skip


async def timed(
    svc: Service, n: int, concurrency: int, call: Callable[[int], Awaitable[str]]
) -> dict[str, Any]:
    limit = asyncio.Semaphore(concurrency)
    times: list[float] = []
    errors: dict[str, int] = {}

    async def one(i: int) -> None:
        async with limit:
            t0 = time.monotonic()
            try:
                await call(i)
            except RuntimeError as exc:  # a status other than the API's answer: counted
                errors[str(exc)[:40]] = errors.get(str(exc)[:40], 0) + 1
            times.append(time.monotonic() - t0)

    web0, t0 = svc.cpu()["web"], time.monotonic()
    await asyncio.gather(*(one(i) for i in range(n)))
    took, web = time.monotonic() - t0, svc.cpu()["web"] - web0
    return {"per_s": round(n / took, 1), "p50_ms": round(pct(times, 0.5), 1),
            "p99_ms": round(pct(times, 0.99), 1), "web_cpu_ms": round(web / n * 1000, 2),
            "web_cpu_share": round(web / took, 2), "errors": errors}  # fmt: skip


async def run(svc: Service, n: int, concurrency: int) -> dict[str, dict[str, Any]]:
    tag = uuid.uuid4().hex[:6]
    bodies = [registration(i, tag) for i in range(n)]
    async with http_client(svc.url, concurrency) as client:
        await sign_in(client, svc.demo["accounts"][0]["email"], svc.demo["accounts"][0]["password"])
        made = await timed(svc, n, concurrency, lambda i: register(client, bodies[i]))
        signed = await timed(svc, n, concurrency, lambda i: sign_in(client, bodies[i]["email"]))
    return {"registrations": made, "sign_ins": signed}


def one_cost(args: argparse.Namespace, name: str) -> dict[str, Any]:
    cost = cost_of(name)
    own = hash_cost(cost)
    env = CHEAP_PASSWORDS if name == "cheap" else {}
    with service(args.db, env) as svc:
        figures = asyncio.run(run(svc, args.n, args.concurrency))
    reg, sig = figures["registrations"], figures["sign_ins"]
    reg["web_cpu_ms_without_hash"] = round(reg["web_cpu_ms"] - own["hash_ms"], 2)
    sig["web_cpu_ms_without_hash"] = round(sig["web_cpu_ms"] - own["verify_ms"], 2)
    return {"db": args.db, "cost": name, "n": args.n, **own, **figures, **machine(args.db)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300, help="registrations, then sign-ins")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cost", choices=["default", "cheap", "both"], default="both")
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    pin_client()
    for name in ["default", "cheap"] if args.cost == "both" else [args.cost]:
        print(json.dumps(one_cost(args, name)), flush=True)


if __name__ == "__main__":
    main()
