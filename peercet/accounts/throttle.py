"""Throttling failed sign-ins: the attacker's address, never the account holder.

Failures are counted per (account, client address). After `LIMIT` of them that
address is refused (429) for that account for `lock_seconds(failures)`: a minute,
doubling with each further failure, at most a day. The account holder signing in
from another address is never refused, and a success clears that address's count.
Unknown emails are counted exactly like known ones (nothing tells them apart).
Per address across emails, `PER_CLIENT` failures in `CLIENT_WINDOW` seconds stop
password spraying. Time is the injected clock's. If Redis is away, sign-in still
works (logged): availability over a second line of defence behind argon2id.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from peercet.core import keys
from peercet.core.errors import RateLimited

log = logging.getLogger(__name__)

LIMIT = 5  # failures for one account from one address before it waits
FIRST_LOCK = 60  # seconds, after the LIMIT-th failure; doubled by each further one
MAX_LOCK = 24 * 3600
FORGET = 24 * 3600  # seconds without a failure after which an address starts afresh
PER_CLIENT = 50
CLIENT_WINDOW = 15 * 60


class TooManyFailures(RateLimited):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(
            f"too many failed sign-ins: try again in {minutes} minute(s)", "rate_limited"
        )
        self.retry_after = retry_after


def lock_seconds(failures: int) -> int:
    """How long an address waits after its `failures`-th failure on one account."""
    if failures < LIMIT:
        return 0
    doublings = min(failures - LIMIT, 32)
    return int(min(FIRST_LOCK * 2**doublings, MAX_LOCK))


def _keys(email: str, client: str) -> tuple[str, str]:
    account = email.strip().lower()
    return keys.signin_failures(account, client), keys.signin_wait(account, client)


async def check(redis: Redis, email: str, client: str, now: datetime) -> None:
    """Refuse (429, Retry-After) while this address waits for this account, or sprays."""
    try:
        until, sprayed = await redis.mget(
            [_keys(email, client)[1], keys.signin_failures_client(client)]
        )
        if until is not None and float(until) > now.timestamp():
            raise TooManyFailures(max(1, math.ceil(float(until) - now.timestamp())))
        if sprayed is not None and int(sprayed) >= PER_CLIENT:
            ttl = int(await redis.ttl(keys.signin_failures_client(client)))
            raise TooManyFailures(max(1, ttl))
    except RedisError as exc:
        log.warning("sign-in throttling unavailable: %s", exc)


async def failed(redis: Redis, email: str, client: str, now: datetime) -> None:
    pair, wait_key = _keys(email, client)
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(pair)
            pipe.expire(pair, FORGET + MAX_LOCK)
            pipe.incr(keys.signin_failures_client(client))
            pipe.expire(keys.signin_failures_client(client), CLIENT_WINDOW, nx=True)
            failures = int((await pipe.execute())[0])
        wait = lock_seconds(failures)
        if wait:
            await redis.set(wait_key, now.timestamp() + wait, ex=wait + FORGET)
    except RedisError as exc:
        log.warning("sign-in throttling unavailable: %s", exc)


async def succeeded(redis: Redis, email: str, client: str) -> None:
    try:
        await redis.delete(*_keys(email, client))
    except RedisError as exc:
        log.warning("sign-in throttling unavailable: %s", exc)
