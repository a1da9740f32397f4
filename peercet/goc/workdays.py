"""Working days and the 10-working-day upload promise (rule 9), as pure functions.

Working days are Monday to Friday less England and Wales bank holidays, taken from
the maintained `holidays` library (England's and Wales's lists are the same).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

UPLOAD_WORKING_DAYS = 10


@cache
def bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (`start` itself never counts)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def upload_due_on(completed_on: date) -> date:
    """The last day an upload keeps the promise: the 10th working day after completion."""
    return add_working_days(completed_on, UPLOAD_WORKING_DAYS)


def upload_overdue(completed_at: datetime, now: datetime, tz: ZoneInfo) -> bool:
    """Overdue from the start of the day after the due day, both days in scheme time."""
    completed_on = completed_at.astimezone(tz).date()
    return now.astimezone(tz).date() > upload_due_on(completed_on)


# Never fewer calendar days than this pass before an upload can be overdue (a Sunday
# completion is due on the Friday 12 days later): a cheap filter before the exact check.
MIN_CALENDAR_DAYS = timedelta(days=12)
