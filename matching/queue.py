"""The Redis side of matching: a sorted set per course, scored by deadline.

Redis is only an index (the database is the truth, see `matching/rebuild.py`). A
member is "completion_id:registrant_id" so the atomic pairing step can refuse a
self-pair and remember who has met without a round trip. The step is one Lua
script: two processes can never take the same waiting completion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from matching.order import WINDOW, Waiting
from peercet.core import keys
from peercet.core.publish import Paired

# Who met whom matters for one CET year; the key outlives it a little, then goes.
MET_TTL = 400 * 24 * 3600

# KEYS: queue, met pairs. ARGV: now (POSIX seconds), window, met pairs' lifetime (s).
# The same rule as matching.order.next_pair: the first pair in deadline order of two
# registrants who are not the same and have not met. Expired entries are dropped
# (their deadline job takes them out of the database's queue).
PAIR_SCRIPT = """
local queue, met = KEYS[1], KEYS[2]
redis.call('ZREMRANGEBYSCORE', queue, '-inf', ARGV[1])
local flat = redis.call('ZRANGE', queue, 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local members, scores, rids = {}, {}, {}
for i = 1, #flat, 2 do
  local n = (i + 1) / 2
  members[n], scores[n] = flat[i], flat[i + 1]
  rids[n] = tonumber(string.match(flat[i], ':(%d+)$'))
end
local function key(a, b)
  if a > b then a, b = b, a end
  return a .. ':' .. b
end
for i = 1, #members - 1 do
  for j = i + 1, #members do
    if rids[i] ~= rids[j] and redis.call('SISMEMBER', met, key(rids[i], rids[j])) == 0 then
      redis.call('ZREM', queue, members[i], members[j])
      redis.call('SADD', met, key(rids[i], rids[j]))
      redis.call('EXPIRE', met, ARGV[3])
      return {members[i], scores[i], members[j], scores[j]}
    end
  end
end
return false
"""


@dataclass(frozen=True)
class Entry:
    """One waiting completion, as the queue of its course holds it."""

    course_id: int
    completion_id: int
    registrant_id: int
    deadline: datetime

    @property
    def member(self) -> str:
        return f"{self.completion_id}:{self.registrant_id}"

    @property
    def score(self) -> float:
        return self.deadline.timestamp()

    def waiting(self) -> Waiting:
        return Waiting(self.completion_id, self.registrant_id, self.score)


def parse_member(member: bytes | str) -> tuple[int, int]:
    text = member.decode() if isinstance(member, bytes) else member
    cid, rid = text.split(":")
    return int(cid), int(rid)


def _entry(course_id: int, member: bytes, score: bytes) -> Entry:
    cid, rid = parse_member(member)
    return Entry(course_id, cid, rid, datetime.fromtimestamp(float(score), UTC))


def met_member(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class Queues:
    """Add, remove and atomically take pairs from the per-course queues."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._pair = redis.register_script(PAIR_SCRIPT)

    async def add(self, entries: Iterable[Entry]) -> None:
        """Enter (or re-enter) the queue: the score is the deadline, so a returning
        registrant gets their place back."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for e in entries:
                pipe.zadd(keys.course_queue(e.course_id), {e.member: e.score})
            await pipe.execute()

    async def remove(self, entries: Iterable[Entry]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for e in entries:
                pipe.zrem(keys.course_queue(e.course_id), e.member)
            await pipe.execute()

    async def take_pair(
        self, course_id: int, cet_year: int, now: datetime, window: int = WINDOW
    ) -> tuple[Entry, Entry] | None:
        """Atomically take the next pair out of the course's queue, or None."""
        found = await self._pair(
            keys=[keys.course_queue(course_id), keys.met_pairs(course_id, cet_year)],
            args=[now.timestamp(), window, MET_TTL],
        )
        if not found:
            return None
        first, first_score, second, second_score = found
        return _entry(course_id, first, first_score), _entry(course_id, second, second_score)

    async def forget_met(self, course_id: int, cet_year: int, a: int, b: int) -> None:
        """A pairing that did not reach the database never happened."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.srem(keys.met_pairs(course_id, cet_year), met_member(a, b))
            await pipe.execute()

    async def remember_met(self, met: Iterable[Paired]) -> None:
        """Pairs the database has recorded, whoever made them: never again this year."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for course_id, cet_year, first, second in met:
                pipe.sadd(keys.met_pairs(course_id, cet_year), met_member(first, second))
                pipe.expire(keys.met_pairs(course_id, cet_year), MET_TTL)
            await pipe.execute()

    async def members(self, course_id: int) -> list[tuple[int, int]]:
        raw = await self.redis.zrange(keys.course_queue(course_id), 0, -1)
        return [parse_member(m) for m in raw]

    async def size(self, course_id: int) -> int:
        count: int = await self.redis.zcard(keys.course_queue(course_id))
        return count
