"""The worker's jobs: each reads the time from the injected clock and works out from the
database what is due and not yet done, so a missed, repeated or killed run loses nothing.

arq is only the trigger: a deadline job makes a fallback punctual, the minutely sweep
makes it certain; the year-end and weekly crons make uploads punctual, the sweep's
catch-up makes them certain.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.deadlines import apply_due, apply_one, send_reminders
from matching import invitation_expiry, noshow, rebuild
from peercet.core.context import Context
from peercet.core.db import transaction
from peercet.core.publish import AfterCommit
from peercet.core.settings import Settings
from peercet.cycles.pending import send_pending_reminders
from peercet.goc.uploads import UploadResult, any_uploadable, final_due, flag_overdue, run_upload
from peercet.notify.mailer import drain
from workers.context import WorkerResources, resources
from workers.schedule import last_cutoff_year, last_weekly_run

log = logging.getLogger(__name__)

Ctx = dict[str, Any]
OUTBOX_SECONDS = 50.0  # one drain per minute, so runs do not pile up


async def deadline(ctx: Ctx, completion_id: int) -> int:
    """At a completion's deadline: its fallback, if it is still open and due."""
    res = resources(ctx)
    return await apply_one(res.sessions, completion_id, res.clock.now(), res.context, res.effects)


@dataclass(frozen=True)
class Upkeep:
    """What the periodic duties need: the worker's resources, or the command line's
    (`peercet sweep`, whose effects leave re-pairing to the worker)."""

    sessions: async_sessionmaker[AsyncSession]
    context: Context
    effects: AfterCommit

    @property
    def settings(self) -> Settings:
        return self.context.settings


def upkeep_of(res: WorkerResources) -> Upkeep:
    return Upkeep(res.sessions, res.context, res.effects)


async def _fallbacks(up: Upkeep, now: datetime) -> int:
    return await apply_due(up.sessions, now, up.context, up.effects)


async def _no_shows(up: Upkeep, now: datetime) -> int:
    return await noshow.run_no_shows(up.sessions, now, up.context.links, up.effects)


async def _invitations_expired(up: Upkeep, now: datetime) -> int:
    """Invitations past 72 hours (or the inviter's deadline): inviters back to the queue."""
    return await invitation_expiry.expire_due(up.sessions, now, up.context, up.effects)


async def _reminders(up: Upkeep, now: datetime) -> int:
    """Deadline reminders, then December's pending-points reminders."""
    tz, links = up.context.tz, up.context.links
    async with transaction(up.sessions) as session:
        sent = await send_reminders(session, now, tz, links)
        return sent + await send_pending_reminders(session, now, tz, links)


async def _uploads(up: Upkeep, now: datetime) -> list[dict[str, Any]]:
    return [summary(u) for u in await uploads_due(up, now)]


async def _overdue_flagged(up: Upkeep, now: datetime) -> int:
    async with transaction(up.sessions) as session:
        return len(await flag_overdue(session, now, up.settings.timezone))


Duty = Callable[[Upkeep, datetime], Awaitable[Any]]
DUTIES: dict[str, Duty] = {
    "fallbacks": _fallbacks,
    "no_shows": _no_shows,
    "invitations_expired": _invitations_expired,
    "uploads": _uploads,
    "reminders": _reminders,  # after the uploads: the final upload's reminders at once
    "overdue_flagged": _overdue_flagged,
}


async def run_duties(
    up: Upkeep, now: datetime, names: Sequence[str] = tuple(DUTIES)
) -> dict[str, Any]:
    """The worker's periodic duties as of `now`, in order (fallbacks before the uploads
    they feed); each idempotent. The crons run some of them, `peercet sweep` all."""
    return {name: await DUTIES[name](up, now) for name in names}


async def sweep(ctx: Ctx) -> dict[str, Any]:
    """Every minute: every fallback due (whatever a job missed), invitations expired,
    then any upload due."""
    res = resources(ctx)
    return await run_duties(
        upkeep_of(res), res.clock.now(), ("fallbacks", "invitations_expired", "uploads")
    )


async def year_end(ctx: Ctx) -> dict[str, Any]:
    """Noon on 30 December: the sweep at the cut-off: everything open falls back (every
    deadline is capped at the cut-off), then the year's final upload."""
    return await sweep(ctx)


async def uploads_due(res: Upkeep, now: datetime) -> list[UploadResult]:
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


async def _count(ctx: Ctx, duty: str) -> int:
    """A cron that runs one duty that counts."""
    res = resources(ctx)
    done: int = (await run_duties(upkeep_of(res), res.clock.now(), [duty]))[duty]
    return done


async def flag_overdue_uploads(ctx: Ctx) -> int:
    return await _count(ctx, "overdue_flagged")


async def remind(ctx: Ctx) -> int:
    return await _count(ctx, "reminders")


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
        res.sessions, res.redis, res.clock.now(), res.context, res.effects.publisher
    )
    return {"courses": len(rebuilt.courses)}


async def close_no_shows(ctx: Ctx) -> int:
    """Close discussions where a participant has not taken part 48 hours after pairing;
    requeue who can be. Returns how many discussions were closed."""
    return await _count(ctx, "no_shows")
