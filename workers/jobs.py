"""The worker's jobs: each reads the time from the injected clock and works out from the
database what is due and not yet done, so a missed, repeated or killed run loses nothing.

arq is only the trigger: a deadline job makes a fallback punctual, the minutely sweep
makes it certain; the year-end and weekly crons make uploads punctual, the sweep's
catch-up makes them certain.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from matching import invitations, noshow, rebuild
from peercet.db import transaction
from peercet.deadlines import apply_due, apply_one
from peercet.mailer import drain
from peercet.reminders import send_reminders
from peercet.uploads import UploadResult, any_uploadable, final_due, flag_overdue, run_upload
from workers.context import WorkerResources, resources
from workers.schedule import last_cutoff_year, last_weekly_run

log = logging.getLogger(__name__)

Ctx = dict[str, Any]
OUTBOX_SECONDS = 50.0  # one drain per minute, so runs do not pile up


async def deadline(ctx: Ctx, completion_id: int) -> int:
    """At a completion's deadline: its fallback, if it is still open and due."""
    res = resources(ctx)
    return await apply_one(res.sessions, completion_id, res.clock.now(), res.effects)


async def sweep(ctx: Ctx) -> dict[str, Any]:
    """Every minute: every fallback due (whatever a job missed), then any upload due."""
    res = resources(ctx)
    now = res.clock.now()
    fallbacks = await apply_due(res.sessions, now, res.effects)
    uploads = await uploads_due(res, now)
    return {"fallbacks": fallbacks, "uploads": [summary(u) for u in uploads]}


async def year_end(ctx: Ctx) -> dict[str, Any]:
    """Noon on 30 December: the sweep at the cut-off: everything open falls back (every
    deadline is capped at the cut-off), then the year's final upload."""
    return await sweep(ctx)


async def uploads_due(res: WorkerResources, now: datetime) -> list[UploadResult]:
    """The year's final upload once the cut-off has passed and nothing of that year is
    still open; then the weekly upload once its slot (Friday at UPLOAD_TIME, scheme time)
    has come, or if one was missed."""
    done = []
    year = last_cutoff_year(now, res.settings.timezone)
    async with res.sessions() as session:
        final = await final_due(session, year)
    if final:
        done.append(await run_upload(res.sessions, res.settings, now, final_year=year))
    slot = last_weekly_run(now, res.settings.upload_time, res.settings.timezone)
    async with res.sessions() as session:
        due = await any_uploadable(session, completed_by=slot)
    if due:
        done.append(await run_upload(res.sessions, res.settings, now))
    return [u for u in done if u.rows]


async def flag_overdue_uploads(ctx: Ctx) -> int:
    res = resources(ctx)
    async with transaction(res.sessions) as session:
        flagged = await flag_overdue(session, res.clock.now(), res.settings.timezone)
    return len(flagged)


async def remind(ctx: Ctx) -> int:
    res = resources(ctx)
    async with transaction(res.sessions) as session:
        return await send_reminders(
            session, res.clock.now(), res.settings.timezone, res.settings.base_url
        )


async def drain_outbox(ctx: Ctx) -> dict[str, int]:
    res = resources(ctx)
    result = await drain(
        res.sessions, res.transport, res.clock, res.settings.mail_from, OUTBOX_SECONDS
    )
    return {"sent": result.sent, "failed": result.failed}


def summary(result: UploadResult) -> dict[str, Any]:
    path = None if result.path is None else str(result.path)
    return {"file": path, "rows": result.rows, "final": result.final}


async def rebuild_queues(ctx: Ctx) -> dict[str, Any]:
    """Redis is an index: rebuild the queues from the database, then pair who can be."""
    res = resources(ctx)
    rebuilt = await rebuild.rebuild_queues(
        res.sessions, res.redis, res.clock.now(), res.settings.timezone
    )
    return {"courses": len(rebuilt.courses)}


async def close_no_shows(ctx: Ctx) -> None:
    """Close discussions where a participant never turned up; requeue who can be."""
    res = resources(ctx)
    await res.effects(await noshow.close_no_shows(res.sessions, res.clock.now()))


async def expire_invitations(ctx: Ctx) -> int:
    """Invitations past 72 hours (or the inviter's deadline): inviters back to the queue."""
    res = resources(ctx)
    return await invitations.expire_due(res.sessions, res.clock.now(), res.effects)
