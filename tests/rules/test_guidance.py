"""What the account shows: dates in scheme time, time left, and the next step (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peercet.completions import guidance
from peercet.completions.lifecycle import State
from tests.support.factories import LONDON

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(days=13, hours=23, minutes=59), "13 days 23 hours left"),
        (timedelta(days=1), "1 day left"),
        (timedelta(hours=2, minutes=5), "2 hours 5 minutes left"),
        (timedelta(minutes=1), "1 minute left"),
        (timedelta(seconds=30), "0 minutes left"),
        (timedelta(0), "the deadline has passed"),
        (timedelta(days=-2), "the deadline has passed"),
    ],
)
def test_time_left(left: timedelta, text: str) -> None:
    assert guidance.time_left(NOW + left, NOW) == text


def test_dates_are_shown_in_scheme_time() -> None:
    assert guidance.when(NOW, LONDON) == "Mon 1 June 2026, 10:00 BST"
    assert guidance.when(datetime(2026, 12, 30, 12, tzinfo=UTC), LONDON) == (
        "Wed 30 December 2026, 12:00 GMT"
    )


@pytest.mark.parametrize(
    ("state", "uploaded", "says"),
    [
        (State.AWAITING_CHOICE, None, "not complete until you choose"),
        (State.SEEKING_PEER, None, "finding you a peer"),
        (State.IN_DISCUSSION, None, "write on every prompt"),
        (State.COMPLETED_NON_INTERACTIVE, None, "upload it to the GOC within 10 working days"),
        (
            State.COMPLETED_INTERACTIVE,
            NOW,
            "Accept your pending points in MyGOC by midnight on 31 December",
        ),
    ],
)
def test_next_step(state: State, uploaded: datetime | None, says: str) -> None:
    assert says in guidance.next_step(state, NOW + timedelta(days=3), uploaded, 2026, LONDON)
