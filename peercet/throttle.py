"""Throttling failed sign-ins with Redis counters (keys in peercet.keys).

Per email: `PER_EMAIL` failures within `WINDOW` seconds lock that email's sign-in
until the window ends (a correct password included, so guessing gains nothing).
Per client address: `PER_CLIENT` failures, against password spraying across emails.
A successful sign-in clears the email's counter. If Redis is away, sign-in still
works (logged): availability over a second line of defence behind scrypt.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from peercet import keys
from peercet.errors import RateLimited

log = logging.getLogger(__name__)

WINDOW = 15 * 60
PER_EMAIL = 5
PER_CLIENT = 50


class TooManyFailures(RateLimited):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(
            f"too many failed sign-ins: try again in {minutes} minute(s)", "rate_limited"
        )
        self.retry_after = retry_after


def _keys(email: str, client: str) -> list[str]:
    return [keys.signin_failures(email.strip().lower()), keys.signin_failures_client(client)]


async def check(redis: Redis, email: str, client: str) -> None:
    """Refuse (429) while either counter is at its limit."""
    try:
        email_key, client_key = _keys(email, client)
        counts = await redis.mget([email_key, client_key])
        for key, count, limit in zip(
            (email_key, client_key), counts, (PER_EMAIL, PER_CLIENT), strict=True
        ):
            if count is not None and int(count) >= limit:
                raise TooManyFailures(max(1, int(await redis.ttl(key))))
    except RedisError as exc:
        log.warning("sign-in throttling unavailable: %s", exc)


async def failed(redis: Redis, email: str, client: str) -> None:
    try:
        async with redis.pipeline(transaction=True) as pipe:
            for key in _keys(email, client):
                pipe.incr(key)
                pipe.expire(key, WINDOW, nx=True)
            await pipe.execute()
    except RedisError as exc:
        log.warning("sign-in throttling unavailable: %s", exc)


async def succeeded(redis: Redis, email: str) -> None:
    try:
        await redis.delete(keys.signin_failures(email.strip().lower()))
    except RedisError as exc:
        log.warning("sign-in throttling unavailable: %s", exc)
