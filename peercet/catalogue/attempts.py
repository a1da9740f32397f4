"""How many exam attempts are left (DOMAIN.md rule 1: an exam is a test, not a puzzle).

A registrant may fail a course's exam `limit` times (`EXAM_ATTEMPTS`) in any 24
hours. Once that many failures lie within the last 24 hours, the next attempt is
refused until the oldest of them is 24 hours old (`retry_at`): at that instant an
attempt is allowed again. Refused attempts are never recorded, so they never push
`retry_at` further away. Passes do not count. Pure: the caller gives the times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Allowance:
    attempts_left: int
    retry_at: datetime | None  # when the next attempt is allowed, while none is left

    @property
    def exhausted(self) -> bool:
        return self.attempts_left == 0


def recent(failures: Iterable[datetime], now: datetime) -> list[datetime]:
    """The failures that still count at `now`, oldest first."""
    return sorted(t for t in failures if t > now - WINDOW)


def allowance(failures: Iterable[datetime], now: datetime, limit: int) -> Allowance:
    """Attempts left at `now` given the times of failed attempts, and when the next
    is allowed if none is."""
    if limit < 1:
        raise ValueError("the limit of failed attempts must be at least 1")
    counted = recent(failures, now)
    left = max(0, limit - len(counted))
    if left:
        return Allowance(left, None)
    # allowed again once only limit - 1 failures remain in the window
    return Allowance(0, counted[len(counted) - limit] + WINDOW)
