"""The arq worker (Procfile: `worker: arq workers.settings.WorkerSettings`).

Schedule. arq's crons run in UTC: in a zone with summer time, arq compares wall-clock
times and would stop every frequent cron for the repeated hour in October. What must
happen at a scheme-time moment (`TIMEZONE`, Europe/London) is the sweep's to judge:
- `deadline`: a job deferred to each completion's deadline (enqueued after commit by
  peercet.core.publish.Effects), its id per completion and deadline, results not kept;
- `sweep`, every minute: every fallback due, invitations standing 72 hours (or to the
  inviter's deadline) ended and their inviters back in the queue, then any upload due:
  the weekly one once Friday's `UPLOAD_TIME` (HH:MM, scheme time, default 09:00) has
  come (or a missed one), the year's final one after the cut-off;
- `year_end`, 12:00 UTC on 30 December (noon in London: GMT in December): the sweep at
  the cut-off, its fallbacks and the final upload;
- `flag_overdue_uploads`, hourly: completions not uploaded within 10 working days;
- `remind`, every five minutes: deadline reminders 3 days and 1 day before;
- `drain_outbox`, every minute (and as a job): sends the outbox;
- `rebuild_queues`, every five minutes and at start-up (and as a job, which the command
  line asks for when a fallback sends a peer back to the queue): the Redis queues from
  the database, then pairing;
- `close_no_shows`, every five minutes: discussions where someone has not taken part
  48 hours after pairing (matching.noshow.run_no_shows).
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from peercet.core.clock import SystemClock
from peercet.core.publish import DEADLINE_JOB, REBUILD_QUEUES_JOB
from peercet.core.settings import load_settings, require_secret_keys
from workers import jobs
from workers.context import KEY, open_resources, resources

SETTINGS = load_settings()  # configuration only: connections are made in on_startup
EVERY_FIVE_MINUTES = set(range(0, 60, 5))


def _log_to_stderr() -> None:
    """arq's command line sets up only its own logger: ours (fallbacks, uploads, overdue
    uploads, email failures) go to stderr too."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("peercet", "workers"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)


async def startup(ctx: dict[str, Any]) -> None:
    require_secret_keys(SETTINGS)  # no default key: the worker signs certificate links
    _log_to_stderr()
    ctx[KEY] = open_resources(SETTINGS, ctx["redis"], SystemClock())


async def shutdown(ctx: dict[str, Any]) -> None:
    if KEY in ctx:
        await resources(ctx).engine.dispose()


FUNCTIONS = [
    # keep_result=0 frees the job id at once: a repeated deadline is never refused
    func(jobs.deadline, name=DEADLINE_JOB, keep_result=0, timeout=60, max_tries=5),
    func(jobs.drain_outbox, keep_result=0, timeout=120, max_tries=3),
    func(jobs.rebuild_queues, name=REBUILD_QUEUES_JOB, keep_result=0, timeout=300),
]

CRON_JOBS = [
    cron(jobs.sweep, second=0, timeout=600),
    cron(jobs.year_end, month=12, day=30, hour=12, minute=0, second=0, timeout=900),
    cron(jobs.flag_overdue_uploads, minute=7, timeout=300),
    cron(jobs.remind, minute=EVERY_FIVE_MINUTES, second=15, timeout=300),
    cron(jobs.drain_outbox, second=30, timeout=120),
    cron(
        jobs.rebuild_queues, minute=EVERY_FIVE_MINUTES, second=40, timeout=300, run_at_startup=True
    ),
    cron(jobs.close_no_shows, minute=EVERY_FIVE_MINUTES, second=50, timeout=300),
]


class WorkerSettings:
    redis_settings = RedisSettings.from_dsn(SETTINGS.redis_url)
    timezone = UTC  # see the module's docstring
    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    job_timeout = 120  # short: a hard-killed job re-runs once its in-progress key expires
    keep_result = 0
