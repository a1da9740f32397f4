"""The message writer: it stores `say`s in batches (group commit), whatever arrived
while the previous transaction committed going into the next one.

Acknowledgements and the fan-out happen only after the commit: this process's sockets
through the hub at once, the other processes through the one publisher of
`peercet.core.publish`, the app's (`Effects.publisher`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from discussion.actions import Post, Stored, store_batch
from discussion.frames import dumps
from peercet.core.publish import MessageBatch, Publisher
from web.resources import Resources
from web.ws.absent import AbsentPartners
from web.ws.hub import Hub

log = logging.getLogger(__name__)

BATCH_MAX = 500
REFUSED = "refused"  # the error code of a message the database refused on its own
UNAVAILABLE = "unavailable"  # the database failed: send it again


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
