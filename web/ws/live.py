"""Process-wide machinery behind /ws: the Redis fan-out, the message writer, presence.

One pub/sub connection per process (pattern subscriptions to every discussion and
registrant channel) routes frames to the sockets of this process. Redis pub/sub is
at most once: after a reconnection every local socket is told to re-check the
database, so a fan-out lost meanwhile is recovered by `seq`.

The writer stores `say`s in batches (group commit): whatever arrived while the
previous transaction committed goes into the next one. Acknowledgements and the
fan-out happen only after the commit. Everything this process publishes (message
batches, and the typing and presence frames of its sockets) goes through the one
publisher of `peercet.core.publish`, the app's (`Effects.publisher`).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from discussion.actions import Post, Stored, store_batch
from discussion.frames import dumps
from discussion.wire import ServerFrame
from peercet.accounts.registrants import SessionsEndedFrame
from peercet.core import keys
from peercet.core.db import create_sync_sqlite_engine
from peercet.core.publish import MessageBatch, Publisher
from web.resources import Resources
from web.ws.absent import AbsentPartners
from web.ws.limits import Budget, Limiter
from web.ws.sockets import SocketLeases

log = logging.getLogger(__name__)

BATCH_MAX = 500
PRESENCE_TTL = 90.0  # seconds a presence entry lives without a refresh
PRESENCE_REFRESH = 30.0
RECONNECT_DELAY = 0.5
FAREWELL_TIMEOUT = 5.0  # seconds a closing socket may spend leaving its rooms
REFUSED = "refused"  # the error code of a message the database refused on its own
UNAVAILABLE = "unavailable"  # the database failed: send it again


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


def unavailable(exc: BaseException) -> bool:
    """The database is away or busy (every row would fail), not refusing one row."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError)


@dataclass
class Writer:
    """Group commit: one transaction for the `say`s that arrived together."""

    res: Resources
    live_hub: Hub
    sqlite: Engine | None = None
    absent: AbsentPartners | None = None  # told of every stored batch (first messages)
    queue: asyncio.Queue[tuple[Post, asyncio.Future[Stored]]] = field(default_factory=asyncio.Queue)

    @property
    def publisher(self) -> Publisher:
        return self.res.effects.publisher

    def submit(self, post: Post) -> asyncio.Future[Stored]:
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((post, future))
        return future

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < BATCH_MAX and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[tuple[Post, asyncio.Future[Stored]]]) -> None:
        posts = [post for post, _ in batch]
        try:
            results = await self._store(posts)
        except Exception as exc:
            log.exception("storing %d messages failed", len(posts))
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        await self._fan_out(results)
        if self.absent is not None:
            self.absent.stored(results)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _fan_out(self, results: list[Stored]) -> None:
        """After the commit: this process's sockets at once, in seq order, then one
        publication for the other processes. Acknowledgements come after both."""
        hub = self.live_hub
        new = [(r.frame["discussion"], r.frame["seq"], dumps(r.frame))
               for r in results if r.new and r.frame is not None]  # fmt: skip
        for discussion_id, seq, text in new:
            hub.deliver(discussion_id, seq, text)
        if new:
            try:
                await self.publisher.fan_out(MessageBatch(hub.origin, new))
            except (RedisError, OSError) as exc:
                log.warning("fan-out lost (%s); sockets recover by seq from the database", exc)

    async def _store(self, posts: list[Post]) -> list[Stored]:
        """One transaction for the batch. If the database refuses it for one row's sake,
        the halves are stored apart (bisection, order kept), so only that row is refused
        and the other participants' messages are stored. A database that is away fails
        what is left (`unavailable`: the clients send again, with the same ids)."""
        try:
            return await self._transaction(posts)
        except Exception as exc:
            if unavailable(exc):
                log.warning("storing %d messages failed: %s", len(posts), exc)
                return [Stored(None, error=UNAVAILABLE)] * len(posts)
            if len(posts) > 1:
                half = len(posts) // 2
                return await self._store(posts[:half]) + await self._store(posts[half:])
            return [await self._alone(posts[0], exc)]

    async def _alone(self, post: Post, exc: Exception) -> Stored:
        """One row the database refused: again once if it may be the same client_msg_id
        committed meanwhile by another process; refused if it fails again."""
        if isinstance(exc, IntegrityError):
            try:
                return (await self._transaction([post]))[0]
            except Exception as again:
                if unavailable(again):
                    return Stored(None, error=UNAVAILABLE)
                exc = again
        log.warning("message %s refused by the database: %s", post.key, exc)
        return Stored(None, error=REFUSED)

    async def _transaction(self, posts: list[Post]) -> list[Stored]:
        """A connection, not an ORM session: this is the hot path. On SQLite the whole
        transaction runs in one thread hop (aiosqlite would hop for every call)."""
        now = self.res.clock.now()
        if self.sqlite is not None:
            return await asyncio.to_thread(self._sqlite_batch, self.sqlite, posts, now)
        async with self.res.engine.begin() as conn:
            return await conn.run_sync(store_batch, posts, now)

    @staticmethod
    def _sqlite_batch(engine: Engine, posts: list[Post], now: datetime) -> list[Stored]:
        with engine.begin() as conn:
            return store_batch(conn, posts, now)


class Presence:
    """Who is online in each discussion, across processes (a Redis sorted set)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.mine: dict[tuple[int, str], None] = {}

    async def enter(self, discussion_id: int, member: str) -> None:
        self.mine[(discussion_id, member)] = None
        await self.redis.zadd(keys.presence(discussion_id), {member: time.time() + PRESENCE_TTL})

    async def exit(self, discussion_id: int, member: str) -> None:
        self.mine.pop((discussion_id, member), None)
        await self.redis.zrem(keys.presence(discussion_id), member)

    async def online(self, discussion_id: int) -> list[int]:
        members = await self.redis.zrangebyscore(keys.presence(discussion_id), time.time(), "+inf")
        return sorted({int(m.split(b":", 1)[0]) for m in members})

    async def refresh(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_REFRESH)
            with suppress(RedisError, OSError):
                async with self.redis.pipeline(transaction=False) as pipe:
                    expires = time.time() + PRESENCE_TTL
                    for discussion_id, member in list(self.mine):
                        pipe.zadd(keys.presence(discussion_id), {member: expires})
                    await pipe.execute()


@dataclass
class Live:
    hub: Hub
    writer: Writer
    presence: Presence
    limiter: Limiter
    absent: AbsentPartners
    sockets: SocketLeases
    publisher: Publisher  # for the sockets' ephemeral frames (typing, presence)
    farewells: set[asyncio.Task[None]] = field(default_factory=set)

    def see_off(self, farewell: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a closing socket's farewell in a task of its own: a server that cancels
        the socket's handler cannot cut it short, and the shutdown waits for it."""
        task = asyncio.create_task(farewell)
        self.farewells.add(task)
        task.add_done_callback(self.farewells.discard)
        return task


@asynccontextmanager
async def serve(res: Resources) -> AsyncIterator[Live]:
    """Start the hub, the writer and the presence refresher for the app's lifetime."""
    hub = Hub(res.settings.redis_url)
    sqlite = (
        create_sync_sqlite_engine(res.settings.database_url) if res.settings.is_sqlite else None
    )
    budget = Budget(res.settings.frame_rate, res.settings.frame_burst)
    limiter = Limiter(res.redis, budget=budget)
    presence = Presence(res.redis)
    absent = AbsentPartners(res, presence)
    writer = Writer(res, hub, sqlite, absent)
    leases = SocketLeases(res.redis)
    live = Live(hub, writer, presence, limiter, absent, leases, res.effects.publisher)
    res.extras["live"] = live
    tasks = [
        asyncio.create_task(live.hub.run(), name="hub"),
        asyncio.create_task(live.writer.run(), name="writer"),
        asyncio.create_task(live.presence.refresh(), name="presence"),
        asyncio.create_task(live.sockets.run(), name="socket-leases"),
    ]
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(live.hub.ready.wait(), 5)
    _tune_gc()
    try:
        yield live
    finally:
        if live.farewells:
            await asyncio.wait(live.farewells, timeout=FAREWELL_TIMEOUT)
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(absent.idle(), FAREWELL_TIMEOUT)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if sqlite is not None:
            sqlite.dispose()


def _tune_gc() -> None:
    """What is alive after start-up lives for good: keep the cyclic collector off it,
    and run it less often (it caused most p99 spikes; see the benchmark notes).
    PEERCET_GC_TUNE=0 leaves the defaults, to measure the difference."""
    if os.environ.get("PEERCET_GC_TUNE", "1") == "0":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
