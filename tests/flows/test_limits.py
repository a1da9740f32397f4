"""The per-registrant frame limit against a real Redis: one budget across processes."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from tests.support.services import free_port
from web.ws import limits
from web.ws.limits import BURST, LEASE, LEASE_TTL, Limiter, LocalLimiter


async def spend(limiter: Limiter, registrant: int, frames: int) -> int:
    return sum([await limiter.allow(registrant) for _ in range(frames)])


async def test_two_processes_share_one_budget_per_registrant(redis_url: str) -> None:
    one, two = Redis.from_url(redis_url), Redis.from_url(redis_url)
    first, second = Limiter(one), Limiter(two)  # as two web processes see it
    started = time.monotonic()
    allowed = 0
    for _ in range(int(BURST)):  # a registrant with a socket on each, sending on both
        allowed += await first.allow(7) + await second.allow(7)
    refilled = (time.monotonic() - started) * limits.RATE
    assert BURST <= allowed <= BURST + refilled + 1  # not twice the burst
    assert await first.allow(8) and await second.allow(8)  # someone else's budget is theirs
    await one.aclose()
    await two.aclose()


async def test_redis_is_asked_once_per_lease_and_once_for_all_who_ask_together(
    redis_url: str,
) -> None:
    redis = Redis.from_url(redis_url)
    limiter = Limiter(redis)
    asked: list[list[int]] = []
    take_all = limiter._take_all

    async def counted(registrants: list[int]) -> list[int]:
        asked.append(registrants)
        return await take_all(registrants)

    limiter._take_all = counted  # type: ignore[method-assign]
    assert await spend(limiter, 1, 3 * LEASE) == 3 * LEASE
    assert asked == [[1], [1], [1]]
    asked.clear()
    together = await asyncio.gather(*(limiter.allow(r) for r in range(100, 600)))
    assert all(together) and asked == [list(range(100, 600))]  # one round trip
    await redis.aclose()


async def test_an_unspent_lease_expires_and_is_not_spent_later(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    now = [0.0]
    limiter = Limiter(redis, clock=lambda: now[0], jitter=lambda: 0.5)  # TTL as set
    assert await limiter.allow(1)
    assert limiter.leases[1].tokens == LEASE - 1
    now[0] = LEASE_TTL
    assert await limiter.allow(1)  # a new lease from Redis, not the stale one
    assert limiter.leases[1].tokens == LEASE - 1
    budget = await redis.hget("peercet:frames:1", "tokens")
    assert budget is not None and float(budget) < BURST - 2 * LEASE + 1
    await redis.aclose()


async def test_without_redis_the_limit_holds_in_each_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    away = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    limiter = Limiter(away)
    assert await spend(limiter, 1, int(BURST) + 10) == BURST
    assert sum("unavailable" in r.message for r in caplog.records) == 1  # said once
    await away.aclose()


def test_the_local_limiter_forgets_idle_registrants(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_HELD", 3)
    now = [0.0]
    limiter = LocalLimiter(clock=lambda: now[0])
    for rid in (1, 2, 3):
        assert limiter.allow(rid)
    now[0] = 100.0
    assert limiter.allow(4)
    assert set(limiter.buckets) == {4}
    for _ in range(int(BURST)):
        limiter.allow(5)
    assert not limiter.allow(5)  # the limit itself is kept
