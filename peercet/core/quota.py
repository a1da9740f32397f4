"""Per-registrant limits on actions over a sliding window, counted in Redis.

Each use is a member of the registrant's sorted set, scored by when it happened (the
injected clock); a use is granted while fewer than `limit` fall within the last
`window` seconds, atomically (one script), so web processes share one count and two
requests at once cannot both take the last place. A refusal says when the oldest use
leaves the window (Retry-After). With Redis away the action is allowed (logged): a
guard against one account flooding moderators, not a reason to refuse everyone.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from peercet.core import keys
from peercet.core.errors import RateLimited

log = logging.getLogger(__name__)

# Drop uses older than the window; refuse (returning the seconds until a place frees)
# or record this use (returning 0).
TAKE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window) + 1)
return 0
"""


class OverQuota(RateLimited):
    def __init__(self, what: str, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(f"{what}: try again in {minutes} minute(s)", "rate_limited")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Use:
    """One granted use; given back when the action it was for did not happen."""

    redis: Redis
    key: str
    member: str

    async def give_back(self) -> None:
        try:
            await self.redis.zrem(self.key, self.member)
        except (RedisError, OSError) as exc:
            log.warning("could not give back a use of %s: %s", self.key, exc)


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int
    window: float  # seconds
    refusal: str  # what the registrant is told, before "try again in..."

    async def take(self, redis: Redis, registrant_id: int, now: datetime) -> Use:
        """A use of the action now, or OverQuota (429 with Retry-After)."""
        key = keys.quota(self.name, registrant_id)
        at = now.timestamp()
        member = f"{at}:{uuid.uuid4().hex}"
        try:
            script = redis.register_script(TAKE)  # EVALSHA, the script loaded once
            wait = int(await script(keys=[key], args=[at, self.window, self.limit, member]))
        except (RedisError, OSError) as exc:
            log.warning("the %s limit is unavailable: %s", self.name, exc)
            wait = 0
        if wait > 0:
            raise OverQuota(self.refusal, wait)
        return Use(redis, key, member)


REPORTS = Quota("reports", 10, 3600.0, "at most 10 reports an hour")
