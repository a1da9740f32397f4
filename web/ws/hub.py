"""The Redis fan-out: one pub/sub connection per process (pattern subscriptions to every
discussion and registrant channel) routes frames to the sockets of this process.

Redis pub/sub is at most once: after a reconnection every local socket is told to
re-check the database, so a fan-out lost meanwhile is recovered by `seq`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from discussion.wire import ServerFrame
from peercet.accounts.registrants import SessionsEndedFrame
from peercet.core import keys
from peercet.core.publish import MessageBatch

log = logging.getLogger(__name__)

RECONNECT_DELAY = 0.5


# What the hub routes: a frame for the client, or the server-only `sessions_ended`.
Routed = ServerFrame | SessionsEndedFrame


class Subscriber(Protocol):
    """A socket as the hub sees it."""

    def route(self, frame: Routed, text: str) -> None: ...

    def message(self, discussion_id: int, seq: int, text: str) -> None: ...

    def resync(self) -> None: ...


class Hub:
    """Routes what Redis carries to the local sockets listening on each channel."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.routes: dict[str, set[Subscriber]] = defaultdict(set)
        self.ready = asyncio.Event()
        self.origin = uuid.uuid4().hex  # this process, in the batches it publishes

    def add(self, channel: str, sub: Subscriber) -> None:
        self.routes[channel].add(sub)

    def remove(self, channel: str, sub: Subscriber) -> None:
        subs = self.routes.get(channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.routes[channel]

    def dispatch(self, channel: str, data: bytes) -> None:
        subs = self.routes.get(channel)
        if not subs:
            return
        text = data.decode()
        frame: Routed = json.loads(text)
        for sub in list(subs):
            sub.route(frame, text)

    def deliver(self, discussion_id: int, seq: int, text: str) -> None:
        """A stored message to this process's sockets in its discussion."""
        subs = self.routes.get(keys.discussion_channel(discussion_id))
        for sub in list(subs or ()):
            sub.message(discussion_id, seq, text)

    def dispatch_batch(self, data: bytes) -> None:
        """A batch another process stored (`MessageBatch`)."""
        batch = MessageBatch.decode(data)
        if batch.origin == self.origin:
            return  # delivered locally before it was published
        for discussion_id, seq, text in batch.messages:
            self.deliver(discussion_id, seq, text)

    async def run(self) -> None:
        first = True
        while True:
            try:
                await self._listen(first)
            except (RedisError, OSError) as exc:
                log.warning("pub/sub connection lost (%s); reconnecting", exc)
            self.ready.clear()
            first = False
            await asyncio.sleep(RECONNECT_DELAY)

    async def _listen(self, first: bool) -> None:
        redis = Redis.from_url(self.redis_url)
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.psubscribe(keys.DISCUSSION_PATTERN, keys.REGISTRANT_PATTERN)
                await pubsub.subscribe(keys.MESSAGES_CHANNEL)
                self.ready.set()
                if not first:  # what was published meanwhile is lost: re-check the database
                    for sub in {sub for subs in self.routes.values() for sub in subs}:
                        sub.resync()
                async for message in pubsub.listen():
                    if message["type"] == "pmessage":
                        self.dispatch(message["channel"].decode(), message["data"])
                    elif message["type"] == "message":
                        self.dispatch_batch(message["data"])
        finally:
            await redis.aclose()
