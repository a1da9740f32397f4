"""After commit, Effects schedules a deadline job per new deadline (arq as a trigger only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.connections import ArqRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from peercet.core import keys
from peercet.core.publish import DEADLINE_JOB, Aftermath, Effects, MemoryPublisher
from peercet.core.settings import Settings
from web.app import create_app
from web.resources import Resources


class Jobs:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail = fail

    async def enqueue_job(self, function: str, *args: Any, **kw: Any) -> Any:
        if self.fail:
            raise RedisConnectionError("redis is down")
        self.calls.append((function, args, kw))
        return None


async def test_each_deadline_gets_a_job_deferred_to_it_or_run_now_if_past() -> None:
    jobs = Jobs()
    effects = Effects(MemoryPublisher(), jobs=jobs)
    future = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    past = datetime(2026, 1, 1, tzinfo=UTC)
    await effects(Aftermath(deadlines=[(7, future), (8, past)]))
    (f_name, f_args, f_kw), (_, p_args, p_kw) = jobs.calls
    assert (f_name, f_args) == (DEADLINE_JOB, (7,))
    assert f_kw == {
        "_job_id": keys.deadline_job_id(7, int(future.timestamp())),
        "_defer_until": future,
    }
    assert p_args == (8,) and p_kw["_defer_until"] > past  # not refused as expired: runs now
    assert p_kw["_job_id"] == keys.deadline_job_id(8, int(past.timestamp()))


async def test_redis_down_when_scheduling_is_only_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    effects = Effects(MemoryPublisher(), jobs=Jobs(fail=True))
    await effects(Aftermath(deadlines=[(7, datetime.now(UTC))]))  # the sweep will catch it
    assert "Redis unavailable" in caplog.text


async def test_the_web_app_schedules_deadline_jobs(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        res: Resources = state["resources"]
        assert isinstance(res.effects.jobs, ArqRedis)
