"""Times in notifications and emails are scheme time, as registrants read them."""

from __future__ import annotations

from datetime import UTC, datetime

from peercet.notify.notices import scheme_time
from tests.support.factories import LONDON


def test_times_are_told_in_uk_time_across_summer_time() -> None:
    assert (
        scheme_time(datetime(2026, 7, 1, 11, 0, tzinfo=UTC), LONDON) == "12:00 BST on 1 July 2026"
    )
    assert scheme_time(datetime(2026, 12, 30, 12, 0, tzinfo=UTC), LONDON) == (
        "12:00 GMT on 30 December 2026"
    )
