"""Rule 9's 10 working days: weekends and England and Wales bank holidays excluded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from peercet.goc.workdays import add_working_days, is_working_day, upload_due_on, upload_overdue
from tests.support.factories import LONDON


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), False),  # Boxing Day (substitute: the 26th is a Saturday)
        (date(2026, 12, 29), True),
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2026, 3, 28), False),  # Saturday
        (date(2026, 3, 29), False),  # Sunday (and the clocks go forward)
        (date(2026, 8, 31), False),  # Summer bank holiday (England, not Scotland)
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("completed_on", "due"),
    [
        (date(2026, 3, 2), date(2026, 3, 16)),  # an ordinary fortnight
        (date(2026, 12, 23), date(2027, 1, 11)),  # across Christmas and New Year
        (date(2026, 12, 30), date(2027, 1, 14)),  # the cut-off's final upload
        (date(2026, 4, 2), date(2026, 4, 20)),  # across Easter
        (date(2026, 3, 27), date(2026, 4, 14)),  # across the clocks going forward and Easter
        (date(2026, 10, 23), date(2026, 11, 6)),  # across the clocks going back
        (date(2026, 3, 1), date(2026, 3, 13)),  # a Sunday: the fewest calendar days (12)
    ],
)
def test_the_upload_is_due_by_the_tenth_working_day(completed_on: date, due: date) -> None:
    assert upload_due_on(completed_on) == due


def test_zero_working_days_is_the_same_day() -> None:
    assert add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("completed_at", "now", "overdue"),
    [
        # 30 June 23:30 UTC is 1 July in London (summer time): due 15 July, not 14 July
        (utc(2026, 6, 30, 23, 30), utc(2026, 7, 14, 22, 59), False),
        (utc(2026, 6, 30, 23, 30), utc(2026, 7, 15, 22, 59), False),
        (utc(2026, 6, 30, 23, 30), utc(2026, 7, 15, 23, 0), True),  # 16 July 00:00 BST
        # 22 October 23:30 UTC is Friday 23 October in London: due 6 November (GMT by then)
        (utc(2026, 10, 22, 23, 30), utc(2026, 11, 6, 23, 59), False),
        (utc(2026, 10, 22, 23, 30), utc(2026, 11, 7, 0, 0), True),
        # Christmas: completed 23 December, due 11 January
        (utc(2026, 12, 23, 15, 0), utc(2027, 1, 11, 23, 59), False),
        (utc(2026, 12, 23, 15, 0), utc(2027, 1, 12, 0, 0), True),
    ],
)
def test_overdue_from_the_day_after_the_due_day_in_scheme_time(
    completed_at: datetime, now: datetime, overdue: bool
) -> None:
    assert upload_overdue(completed_at, now, LONDON) is overdue
