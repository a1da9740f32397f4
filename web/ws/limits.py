"""The per-registrant rate limit on client frames (ping excepted), across web processes.

The budget is one token bucket per registrant in Redis (RATE frames a second, bursts
of BURST). A process leases up to LEASE tokens at a time and spends them locally, so
a frame costs a Redis round trip once in LEASE frames, not each time. Leased tokens
leave the shared bucket when leased, so sockets on several processes never get more
than the one budget between them; a lease not spent within LEASE_TTL seconds is
dropped (those tokens are lost, never doubled). If Redis is away, a bucket of the
same size in this process decides: the limit holds per process until it is back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from discussion.rules import TokenBucket
from peercet.core import keys
from peercet.core.settings import Settings

log = logging.getLogger(__name__)

RATE = Settings.frame_rate  # frames a second per registrant, on average (FRAME_RATE)
BURST = Settings.frame_burst  # (FRAME_BURST)
LEASE = 10  # tokens a process takes from the shared bucket at once
LEASE_TTL = 10.0  # seconds a lease is good for, on average (jittered by ±50 %)
MAX_HELD = 50_000  # registrants a process keeps leases or buckets for

# Refill the registrant's bucket by Redis's clock (one clock for every process), then
# grant up to ARGV[3] whole tokens. The key expires once it would be full again.
TAKE = """
local capacity, rate, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or capacity
local at = tonumber(held[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local granted = math.min(want, math.floor(tokens))
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - granted), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return granted
"""


@dataclass(frozen=True)
class Budget:
    """One registrant's frame budget: `rate` a second on average, bursts of `burst`."""

    rate: float = RATE
    burst: float = BURST


class LocalLimiter:
    """The same limit kept in this process alone: the stand-in while Redis is away."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, budget: Budget | None = None
    ) -> None:
        self.clock = clock
        self.budget = budget or Budget()
        self.buckets: dict[int, TokenBucket] = {}

    def allow(self, registrant_id: int) -> bool:
        now = self.clock()
        bucket = self.buckets.get(registrant_id)
        if bucket is None:
            if len(self.buckets) >= MAX_HELD:
                self._forget_idle(now)
            bucket = TokenBucket(self.budget.rate, self.budget.burst)
            self.buckets[registrant_id] = bucket
        return bucket.take(now)

    def _forget_idle(self, now: float) -> None:
        """Buckets that would be full again carry nothing: drop them (bounded memory)."""
        full = self.budget.burst / self.budget.rate
        self.buckets = {r: b for r, b in self.buckets.items() if now - b.at < full}


@dataclass
class Lease:
    tokens: int
    until: float


class Limiter:
    """The shared limit, spent from leases; `allow` is the one question transport asks.

    Leases are asked for in batches: every registrant who needs one in the same turn
    of the event loop is served by one pipelined round trip (after a restart, or when
    leases run out together, that is thousands at once), and each lease lives a
    jittered LEASE_TTL so that renewals spread out instead of coming back together."""

    def __init__(
        self,
        redis: Redis,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        budget: Budget | None = None,
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.jitter = jitter
        self.budget = budget or Budget()
        self.leases: dict[int, Lease] = {}
        self.asking: dict[int, asyncio.Future[bool]] = {}
        self.asker: asyncio.Task[None] | None = None
        self.local = LocalLimiter(clock, self.budget)
        self.take = redis.register_script(TAKE)
        self.shared = True  # so that losing and regaining Redis is logged once each

    async def allow(self, registrant_id: int) -> bool:
        """May the registrant send this frame? (`spend` first spares the hot path an await.)"""
        if self.spend(registrant_id):
            return True
        if not await self._renew(registrant_id):
            return self.local.allow(registrant_id)
        return self.spend(registrant_id)

    def spend(self, registrant_id: int) -> bool:
        """A token from the lease in hand, if one is good: no I/O."""
        lease = self.leases.get(registrant_id)
        if lease is None or lease.tokens < 1 or self.clock() >= lease.until:
            return False
        lease.tokens -= 1
        return True

    async def _renew(self, registrant_id: int) -> bool:
        """A new lease for the registrant, in the next batch; False if Redis is away."""
        asked = self.asking.get(registrant_id)
        if asked is None:
            asked = self.asking[registrant_id] = asyncio.get_running_loop().create_future()
            if self.asker is None or self.asker.done():
                self.asker = asyncio.create_task(self._ask())
        return await asyncio.shield(asked)

    async def _ask(self) -> None:
        await asyncio.sleep(0)  # let every frame of this turn join the batch
        while self.asking:
            batch, self.asking = self.asking, {}
            try:
                granted = await self._take_all(list(batch))
            except (RedisError, OSError) as exc:
                if self.shared:
                    log.warning("shared rate limit unavailable (%s): limiting per process", exc)
                self.shared = False
                for asked in batch.values():
                    asked.set_result(False)
                continue
            if not self.shared:
                log.warning("shared rate limit back")
                self.shared = True
            self._keep(dict(zip(batch, granted, strict=True)))
            for asked in batch.values():
                asked.set_result(True)

    async def _take_all(self, registrants: list[int]) -> list[int]:
        args = [self.budget.burst, self.budget.rate, LEASE]
        async with self.redis.pipeline(transaction=False) as pipe:
            for registrant_id in registrants:
                key = keys.frame_budget(registrant_id)
                await self.take(keys=[key], args=args, client=pipe)
            return [int(n) for n in await pipe.execute()]

    def _keep(self, granted: dict[int, int]) -> None:
        now = self.clock()
        if len(self.leases) + len(granted) > MAX_HELD:
            self.leases = {r: held for r, held in self.leases.items() if now < held.until}
        for registrant_id, tokens in granted.items():
            ttl = LEASE_TTL * (0.5 + self.jitter())
            self.leases[registrant_id] = Lease(tokens, now + ttl)
