"""When the worker's scheduled work is due: Fridays and the cut-off, across summer time."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from tests.support.factories import LONDON
from workers.schedule import last_cutoff_year, last_weekly_run, next_weekly_run

NINE = time(9, 0)


@pytest.mark.parametrize(
    ("now", "last", "next_"),
    [
        # GMT: Friday 27 March 2026 09:00 London is 09:00 UTC
        (datetime(2026, 3, 27, 9, 0, tzinfo=UTC), datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
         datetime(2026, 4, 3, 8, 0, tzinfo=UTC)),  # the next is in summer time: 08:00 UTC
        (datetime(2026, 3, 27, 8, 59, tzinfo=UTC), datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
         datetime(2026, 3, 27, 9, 0, tzinfo=UTC)),
        # Sunday 29 March, the clocks have just gone forward
        (datetime(2026, 3, 29, 3, 0, tzinfo=UTC), datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
         datetime(2026, 4, 3, 8, 0, tzinfo=UTC)),
        # BST: Friday 3 April 08:30 UTC is 09:30 London
        (datetime(2026, 4, 3, 8, 30, tzinfo=UTC), datetime(2026, 4, 3, 8, 0, tzinfo=UTC),
         datetime(2026, 4, 10, 8, 0, tzinfo=UTC)),
        # across the clocks going back on 25 October
        (datetime(2026, 10, 26, 12, 0, tzinfo=UTC), datetime(2026, 10, 23, 8, 0, tzinfo=UTC),
         datetime(2026, 10, 30, 9, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_weekly_slots_are_fridays_at_the_local_time(
    now: datetime, last: datetime, next_: datetime
) -> None:
    assert last_weekly_run(now, NINE, LONDON) == last
    assert next_weekly_run(now, NINE, LONDON) == next_


@pytest.mark.parametrize(
    ("now", "year"),
    [
        (datetime(2026, 12, 30, 11, 59, 59, tzinfo=UTC), 2025),
        (datetime(2026, 12, 30, 12, 0, tzinfo=UTC), 2026),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), 2026),
        (datetime(2027, 1, 1, 0, 30, tzinfo=UTC), 2026),
        (datetime(2027, 7, 1, tzinfo=UTC), 2026),
    ],
)
def test_the_latest_cutoff_passed(now: datetime, year: int) -> None:
    assert last_cutoff_year(now, LONDON) == year
