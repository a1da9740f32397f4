"""When scheduled work falls due, as pure functions of `now` (scheme-time wall clock).

arq's cron fires at a minute and never catches up a missed one, so the worker's sweep
asks these functions which run should have happened by now and checks the database
for what it left undone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from peercet.completions.lifecycle import cutoff

FRIDAY = 4


def _slot(day: datetime, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), at, tzinfo=tz)


def last_weekly_run(now: datetime, at: time, tz: ZoneInfo, weekday: int = FRIDAY) -> datetime:
    """The latest weekly slot (`weekday` at `at`, scheme time) at or before `now`."""
    local = now.astimezone(tz)
    day = local - timedelta(days=(local.weekday() - weekday) % 7)
    slot = _slot(day, at, tz)
    return slot if slot <= local else _slot(day - timedelta(days=7), at, tz)


def next_weekly_run(now: datetime, at: time, tz: ZoneInfo, weekday: int = FRIDAY) -> datetime:
    """The first weekly slot strictly after `now`."""
    local = now.astimezone(tz)
    day = local + timedelta(days=(weekday - local.weekday()) % 7)
    slot = _slot(day, at, tz)
    return slot if slot > local else _slot(day + timedelta(days=7), at, tz)


def last_cutoff_year(now: datetime, tz: ZoneInfo) -> int:
    """The CET year whose cut-off (noon 30 December) is the latest at or before `now`."""
    year = now.astimezone(tz).year
    return year if now >= cutoff(year, tz) else year - 1
