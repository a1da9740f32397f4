"""After a transaction commits: publish its events and keep the Redis queues in step.

Redis is only an index and a fan-out: if it is away, the database still holds the
truth, the queues are rebuilt from it and clients recover messages by `seq`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.exceptions import RedisError

from peercet.core import keys
from peercet.core.events import Outcome, Publisher

log = logging.getLogger(__name__)

QueueSync = Callable[[Outcome], Awaitable[None]]
DEADLINE_JOB = "deadline"  # the arq function (workers) that falls one completion back
REBUILD_QUEUES_JOB = "rebuild_queues"  # the arq function (workers) that rebuilds and pairs


class JobQueue(Protocol):
    """What Effects needs of an arq pool (`arq.connections.ArqRedis`), without importing arq."""

    async def enqueue_job(
        self,
        function: str,
        *args: Any,
        _job_id: str | None = ...,
        _defer_until: datetime | None = ...,
    ) -> Any: ...


async def _no_queue(outcome: Outcome) -> None:
    return None


class Effects:
    """The one after-commit step every edge (endpoint, job, command) calls."""

    def __init__(
        self,
        publisher: Publisher,
        queue_sync: QueueSync = _no_queue,
        jobs: JobQueue | None = None,
    ) -> None:
        self.publisher = publisher
        self.queue_sync = queue_sync
        self.jobs = jobs

    async def __call__(self, outcome: Outcome) -> None:
        try:
            await self.queue_sync(outcome)
            await self.publisher.publish(outcome.events)
            await self.schedule(outcome.deadlines)
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

    async def __call__(self, outcome: Outcome) -> None:
        self.wanted = self.wanted or bool(outcome.requeue)

    async def ask(self) -> None:
        if not self.wanted:
            return
        try:
            job_id = keys.rebuild_queues_job_id(uuid.uuid4().hex)
            await self.jobs.enqueue_job(REBUILD_QUEUES_JOB, _job_id=job_id)
            self.wanted = False
        except (RedisError, OSError) as exc:
            log.warning("Redis unavailable (%s); the worker's next rebuild re-queues them", exc)
