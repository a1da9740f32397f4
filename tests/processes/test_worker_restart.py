"""A worker process killed in the middle of a job loses nothing: restarted, it does every
due fallback, each once."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from arq.constants import in_progress_key_prefix
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions.actions import record_pass
from peercet.completions.lifecycle import State
from peercet.core import keys
from peercet.core.db import transaction
from peercet.core.publish import Aftermath
from peercet.core.settings import Settings
from peercet.core.tables import (
    AuditEntry,
    Base,
    Completion,
    Notification,
    OutgoingEmail,
    PointRecord,
)
from tests.support import factories as f
from tests.support.context import context
from tests.support.worker_helpers import ctx, worker_resources
from workers import jobs

DUE = f.T0 + timedelta(days=14)
NOW = DUE + timedelta(hours=1)

pytestmark = pytest.mark.slow


async def _start(settings: Settings, *args: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEYS": ",".join(settings.secret_keys),
        "UPLOAD_DIR": str(settings.upload_dir),
        "OUTBOX_DIR": str(settings.outbox_dir),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.worker_proc", NOW.isoformat(), *args, env=env
    )


async def _wait_for(marker: Path, proc: asyncio.subprocess.Process) -> None:
    give_up = time.monotonic() + 30
    while not marker.exists():
        assert proc.returncode is None, "the worker ended before reaching the job"
        assert time.monotonic() < give_up, "the worker never reached the job"
        await asyncio.sleep(0.05)


async def _count(sessions: async_sessionmaker[AsyncSession], model: type[Base]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_worker_killed_mid_job_loses_nothing_when_restarted(
    settings: Settings, tmp_path: Path
) -> None:
    async with worker_resources(settings, NOW) as res:
        async with transaction(res.sessions) as session:
            course = await f.course(session)
            aftermath, ids = Aftermath(), []
            for _ in range(6):
                result = await record_pass(
                    session, await f.registrant(session), course, f.T0, context()
                )
                aftermath.extend(result.aftermath)
                ids.append(result.completion.id)
        await res.effects(aftermath)
        assert len(await res.redis.queued_jobs()) == 6
        victim, marker = ids[2], tmp_path / "inside"
        proc = await _start(settings, str(victim), str(marker))
        try:
            await _wait_for(marker, proc)
        finally:
            proc.kill()
            await proc.wait()
        async with res.sessions() as session:
            open_ids = set(
                await session.scalars(
                    select(Completion.id).where(Completion.state != State.COMPLETED_NON_INTERACTIVE)
                )
            )
        assert victim in open_ids  # its transaction died with the process
        # arq re-runs a killed job once its in-progress key expires (timeout + 10 s): now
        victim_job = keys.deadline_job_id(victim, int(DUE.timestamp()))
        assert await res.redis.delete(in_progress_key_prefix + victim_job) == 1
        again = await _start(settings)
        assert await again.wait() == 0
        for model in (PointRecord, Notification, OutgoingEmail, AuditEntry):
            assert await _count(res.sessions, model) == 6, model
        async with res.sessions() as session:
            states = set(await session.scalars(select(Completion.state)))
        assert states == {State.COMPLETED_NON_INTERACTIVE}
        assert await res.redis.queued_jobs() == []
        assert (await jobs.sweep(ctx(res)))["fallbacks"] == 0
