"""Attempts left at an exam (rule 1: a limited number of failed attempts a day), pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peercet.catalogue.attempts import WINDOW, Allowance, allowance
from peercet.core.settings import load_settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("ago", "limit", "expected"),
    [
        ([], 2, Allowance(2, None)),
        ([1 * H], 2, Allowance(1, None)),
        ([3 * H, 1 * H], 2, Allowance(0, NOW - 3 * H + WINDOW)),  # the oldest ages out first
        ([1 * H, 3 * H], 2, Allowance(0, NOW + 21 * H)),  # in any order
        ([24 * H, 1 * H], 2, Allowance(1, None)),  # exactly 24 hours old no longer counts
        ([24 * H - timedelta(seconds=1), 1 * H], 2, Allowance(0, NOW + timedelta(seconds=1))),
        ([30 * H, 25 * H], 2, Allowance(2, None)),  # yesterday's fails are forgotten
        ([5 * H, 4 * H, 2 * H], 2, Allowance(0, NOW + 20 * H)),  # the limit lowered since
        ([5 * H, 4 * H, 2 * H], 3, Allowance(0, NOW + 19 * H)),
        ([2 * H], 1, Allowance(0, NOW + 22 * H)),
        ([2 * H], 5, Allowance(4, None)),
        ([-1 * H, 1 * H], 2, Allowance(0, NOW + 23 * H)),  # a clock set back: still counts
    ],
)
def test_attempts_left_and_when_the_next_is_allowed(
    ago: list[timedelta], limit: int, expected: Allowance
) -> None:
    result = allowance([NOW - a for a in ago], NOW, limit)
    assert result == expected
    assert result.exhausted is (expected.attempts_left == 0)


@given(
    st.lists(st.integers(min_value=0, max_value=48 * 3600), max_size=6),
    st.integers(min_value=1, max_value=4),
)
def test_at_retry_at_an_attempt_is_allowed_and_not_a_second_before(
    seconds_ago: list[int], limit: int
) -> None:
    failures = [NOW - timedelta(seconds=s) for s in seconds_ago]
    result = allowance(failures, NOW, limit)
    if result.retry_at is None:
        assert result.attempts_left > 0
        return
    assert result.retry_at > NOW
    assert allowance(failures, result.retry_at, limit).attempts_left >= 1
    assert allowance(failures, result.retry_at - timedelta(seconds=1), limit).exhausted


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        allowance([], NOW, 0)


@pytest.mark.parametrize(("value", "limit"), [(None, 2), ("3", 3), (" 1 ", 1)])
def test_exam_attempts_setting(value: str | None, limit: int) -> None:
    environ = {} if value is None else {"EXAM_ATTEMPTS": value}
    assert load_settings(environ).exam_attempts == limit


@pytest.mark.parametrize("value", ["0", "-1", "two", "²", ""])
def test_a_bad_exam_attempts_setting_says_so(value: str) -> None:
    with pytest.raises(ValueError, match="EXAM_ATTEMPTS must be a whole number"):
        load_settings({"EXAM_ATTEMPTS": value})
