"""At most MAX_SOCKETS open sockets per registrant, across every web process.

Each open socket holds a lease in Redis: a member of the registrant's sorted set
(peercet.core.keys.sockets) scored by when it expires. A handshake takes one in a script
that first drops expired leases, so the count is one for all processes and two
handshakes at once cannot both take the last place. A closing socket gives its lease
back at once; each process renews its sockets' leases every RENEW seconds, so a
process that dies without closing its sockets frees their places within LEASE_TTL.
With Redis away a socket is let in (logged): every other part of /ws needs Redis too,
and the limit is a guard against one account, not a reason to refuse everyone.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from peercet.core import keys

log = logging.getLogger(__name__)

MAX_SOCKETS = 20  # open at once per registrant (API.md)
LEASE_TTL = 90.0  # seconds a lease lives without a renewal
RENEW = 30.0  # seconds between renewals of this process's leases
CLOSE_TOO_MANY = 1008  # policy violation: the handshake past the limit

TAKE = """
local now, expiry, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], expiry, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(expiry - now) + 1)
return 1
"""


class SocketLeases:
    """This process's leases: taken at the handshake, renewed, given back at the close."""

    def __init__(
        self, redis: Redis, clock: Callable[[], float] = time.time, limit: int = MAX_SOCKETS
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.limit = limit
        self.mine: dict[str, int] = {}  # socket member -> registrant id
        self.script = redis.register_script(TAKE)

    async def take(self, registrant_id: int, member: str) -> bool:
        """May this socket stay open? False past the registrant's limit."""
        now = self.clock()
        key = keys.sockets(registrant_id)
        try:
            granted = bool(
                await self.script(keys=[key], args=[now, now + LEASE_TTL, self.limit, member])
            )
        except (RedisError, OSError) as exc:
            log.warning("socket limit unavailable (%s): letting the socket in", exc)
            granted = True
        if granted:
            self.mine[member] = registrant_id
        return granted

    async def give_back(self, member: str) -> None:
        registrant_id = self.mine.pop(member, None)
        if registrant_id is None:
            return
        try:
            await self.redis.zrem(keys.sockets(registrant_id), member)
        except (RedisError, OSError) as exc:
            log.warning("socket lease not given back (%s): it expires by itself", exc)

    async def renew(self) -> None:
        """Every lease this process holds lives LEASE_TTL more (one pipelined round trip)."""
        if not self.mine:
            return
        expiry = self.clock() + LEASE_TTL
        async with self.redis.pipeline(transaction=False) as pipe:
            for member, registrant_id in list(self.mine.items()):
                key = keys.sockets(registrant_id)
                pipe.zadd(key, {member: expiry})
                pipe.expire(key, math.ceil(LEASE_TTL) + 1)
            await pipe.execute()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(RENEW)
            try:
                await self.renew()
            except (RedisError, OSError) as exc:
                log.warning("socket leases not renewed (%s)", exc)
