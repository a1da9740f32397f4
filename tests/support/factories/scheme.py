"""The moment and the scheme's time zone every factory starts from, and one counter so
that no two made things share a number, reference or address."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
numbers = itertools.count(1)
