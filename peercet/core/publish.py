"""The one publish path: what a transaction leaves to do, and how it reaches Redis.

Actions return an `Aftermath`; the edge commits, then calls `Effects`, which keeps the
Redis queues in step, publishes the deliveries and times the deadlines. A `Publisher`
is the only writer to Redis pub/sub (a rules test scans the source for any other), with
two kinds of publication: deliveries and message batches (see `Publisher`).

Redis is only an index and a fan-out: if it is away, the database still holds the
truth, the queues are rebuilt from it and clients recover messages by `seq`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core import keys
from peercet.core.db import transaction

log = logging.getLogger(__name__)

DEADLINE_JOB = "deadline"  # the arq function (workers) that falls one completion back
REBUILD_QUEUES_JOB = "rebuild_queues"  # the arq function (workers) that rebuilds and pairs


# A wire frame, as the publisher sees it: its TypedDict belongs to the package that
# sends it (`discussion.wire`, `peercet.completions.frames`, `peercet.accounts`).
Frame = Mapping[str, object]


@dataclass(frozen=True)
class Delivery:
    """A frame for the sockets of one registrant (every socket of theirs) or of one
    discussion room, on every web process."""

    frame: Frame
    registrant_id: int | None = None
    discussion_id: int | None = None

    @property
    def channel(self) -> str:
        if self.registrant_id is not None:
            return keys.registrant_channel(self.registrant_id)
        if self.discussion_id is not None:
            return keys.discussion_channel(self.discussion_id)
        raise ValueError("a delivery needs a registrant or a discussion")


@dataclass(frozen=True)
class MessageBatch:
    """The messages one group commit stored, for the other web processes' sockets:
    (discussion, seq, frame text) each, and the process that stored them (it has
    delivered them to its own sockets already)."""

    origin: str
    messages: list[tuple[int, int, str]]

    def encode(self) -> str:
        return json.dumps({"o": self.origin, "m": self.messages}, separators=(",", ":"))

    @classmethod
    def decode(cls, data: bytes | str) -> MessageBatch:
        batch = json.loads(data)
        return cls(batch["o"], [(d, seq, text) for d, seq, text in batch["m"]])


class Publisher(Protocol):
    """The only writer to Redis pub/sub. Two kinds of publication:

    - `deliver`: frames on registrants' and discussions' channels: an aftermath's
      after its commit (through `Effects`), or an ephemeral frame (typing, presence)
      at once (`deliver_now`).
    - `fan_out`: stored messages on the one messages channel, one publication per
      committed batch. Kept apart from deliveries for speed: the texts are encoded
      once, and each process's hub routes them to its sockets by `seq`.
    """

    async def deliver(self, deliveries: Sequence[Delivery]) -> None: ...

    async def fan_out(self, batch: MessageBatch) -> None: ...


class RedisPublisher:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def deliver(self, deliveries: Sequence[Delivery]) -> None:
        if not deliveries:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for delivery in deliveries:
                pipe.publish(delivery.channel, json.dumps(delivery.frame, default=str))
            await pipe.execute()

    async def fan_out(self, batch: MessageBatch) -> None:
        await self.redis.publish(keys.MESSAGES_CHANNEL, batch.encode())


@dataclass
class MemoryPublisher:
    """Keeps what was published: frames by channel, and message batches; for tests."""

    sent: dict[str, list[Frame]] = field(default_factory=lambda: defaultdict(list))
    batches: list[MessageBatch] = field(default_factory=list)

    async def deliver(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self.sent[delivery.channel].append(delivery.frame)

    async def fan_out(self, batch: MessageBatch) -> None:
        self.batches.append(batch)


async def deliver_now(publisher: Publisher, delivery: Delivery) -> None:
    """The light path for an ephemeral frame (typing, presence): no transaction before
    it and nothing to keep, so no `Effects`; lost, and only logged, if Redis is away."""
    try:
        await publisher.deliver([delivery])
    except (RedisError, OSError) as exc:
        log.warning("Redis unavailable (%s); a %s frame is lost", exc, delivery.frame.get("type"))


class Paired(NamedTuple):
    """Two registrants paired for a course in a CET year: never paired again that year."""

    course_id: int
    cet_year: int
    first: int  # registrant ids
    second: int


@dataclass
class Aftermath:
    """What an action leaves for the edge to do after it commits."""

    deliveries: list[Delivery] = field(default_factory=list)
    requeue: list[int] = field(default_factory=list)  # completions to put (back) in a queue
    dequeue: list[int] = field(default_factory=list)  # completions to take out of a queue
    deadlines: list[tuple[int, datetime]] = field(default_factory=list)  # (completion, due) to time
    paired: list[Paired] = field(default_factory=list)  # pairs made, whoever made them: to remember

    def extend(self, other: Aftermath) -> Aftermath:
        self.deliveries.extend(other.deliveries)
        self.requeue.extend(other.requeue)
        self.dequeue.extend(other.dequeue)
        self.deadlines.extend(other.deadlines)
        self.paired.extend(other.paired)
        return self


AfterCommit = Callable[[Aftermath], Awaitable[None]]
"""An edge's after-commit step (`Effects`, or a queue's upkeep inside it)."""


async def nothing_after(aftermath: Aftermath) -> None:
    """The after-commit step of a caller that does its own (or needs none)."""
    return None


BatchStep = Callable[[AsyncSession], Awaitable[tuple[int, Aftermath]]]


async def in_batches(
    sessions: async_sessionmaker[AsyncSession],
    step: BatchStep,
    batch: int,
    after_commit: AfterCommit = nothing_after,
    progress: Callable[[int], None] | None = None,
) -> int:
    """A periodic duty: `step` (up to `batch` rows) in a transaction of its own, its
    aftermath after each commit, until a short batch says nothing is left; the total."""
    total = 0
    while True:
        async with transaction(sessions) as session:
            count, aftermath = await step(session)
        await after_commit(aftermath)
        total += count
        if progress is not None and count:
            progress(total)
        if count < batch:
            return total


class JobQueue(Protocol):
    """What Effects needs of an arq pool (`arq.connections.ArqRedis`), without importing arq."""

    async def enqueue_job(
        self,
        function: str,
        *args: Any,
        _job_id: str | None = ...,
        _defer_until: datetime | None = ...,
    ) -> Any: ...


class Effects:
    """The one after-commit step every edge (endpoint, job, command) calls."""

    def __init__(
        self,
        publisher: Publisher,
        queue_sync: AfterCommit = nothing_after,
        jobs: JobQueue | None = None,
    ) -> None:
        self.publisher = publisher
        self.queue_sync = queue_sync
        self.jobs = jobs

    async def __call__(self, aftermath: Aftermath) -> None:
        try:
            await self.queue_sync(aftermath)
            await self.publisher.deliver(aftermath.deliveries)
            await self.schedule(aftermath.deadlines)
        except (RedisError, OSError) as exc:
            log.warning("Redis unavailable after commit (%s); the database keeps the truth", exc)

    async def schedule(self, deadlines: list[tuple[int, datetime]]) -> None:
        """A job at each deadline, its id unique per (completion, deadline): a repeated
        deadline is a no-op and a moved one gets a job of its own. The worker's
        minutely sweep applies whatever a lost job missed."""
        if self.jobs is None:
            return
        real_now = datetime.now(UTC)  # arq defers by Redis's real clock, not the domain's
        for completion_id, due in deadlines:
            job_id = keys.deadline_job_id(completion_id, int(due.timestamp()))
            # a deadline already past runs now: arq refuses a job that expired before it began
            await self.jobs.enqueue_job(
                DEADLINE_JOB, completion_id, _job_id=job_id, _defer_until=max(due, real_now)
            )


class ByTheWorker:
    """Queue upkeep for an edge that runs no matcher (the command line): it notes that
    someone must go back to a queue, and `ask` then gives the worker one rebuild_queues
    job, which re-queues them from the database and pairs who can be. The job's id is
    new each time: a rebuild already running, which may have read the database before
    this commit, cannot swallow the request (arq refuses an id while its job lives)."""

    def __init__(self, jobs: JobQueue) -> None:
        self.jobs = jobs
        self.wanted = False

    async def __call__(self, aftermath: Aftermath) -> None:
        self.wanted = self.wanted or bool(aftermath.requeue)

    async def ask(self) -> None:
        if not self.wanted:
            return
        try:
            job_id = keys.rebuild_queues_job_id(uuid.uuid4().hex)
            await self.jobs.enqueue_job(REBUILD_QUEUES_JOB, _job_id=job_id)
            self.wanted = False
        except (RedisError, OSError) as exc:
            log.warning("Redis unavailable (%s); the worker's next rebuild re-queues them", exc)
