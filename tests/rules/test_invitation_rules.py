"""The pure rules of an invitation (matching.invitation_rules), by tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.invitation_rules import (
    DAILY_LIMIT,
    Target,
    expires_at,
    names_self,
    parse_target,
    retry_after,
)
from peercet.core.errors import BadInput

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (T0 + 14 * 24 * H, T0 + 72 * H),  # the usual case: 72 hours
        (T0 + 72 * H, T0 + 72 * H),  # both at once
        (T0 + 72 * H + timedelta(seconds=1), T0 + 72 * H),
        (T0 + 71 * H, T0 + 71 * H),  # the inviter's deadline comes first
        (T0 + timedelta(minutes=5), T0 + timedelta(minutes=5)),
    ],
)
def test_an_invitation_expires_after_72_hours_or_at_the_inviters_deadline(
    deadline: datetime, expected: datetime
) -> None:
    assert expires_at(T0, deadline) == expected


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        ([], None),
        ([T0 - H] * (DAILY_LIMIT - 1), None),  # nine: a tenth is allowed
        ([T0 - H] * DAILY_LIMIT, 23 * 3600),  # ten an hour ago: free in 23 hours
        ([T0 - 24 * H] * DAILY_LIMIT, None),  # exactly 24 hours ago: aged out (rolling)
        ([T0 - 24 * H + timedelta(seconds=1)] * DAILY_LIMIT, 1),
        ([T0 - 25 * H] * 5 + [T0 - H] * 9, None),  # older ones do not count
        # twelve within the day (a race let two through): wait until three age out
        ([T0 - 20 * H, T0 - 10 * H, T0 - 5 * H] + [T0 - H] * 9, 19 * 3600),
        ([T0 - 3 * H, T0 - 2 * H] + [T0 - H] * 8, 21 * 3600),  # the oldest of ten frees first
        ([T0 - timedelta(milliseconds=1)] * DAILY_LIMIT, 24 * 3600),  # rounded up, never 0
    ],
)
def test_at_most_ten_invitations_in_any_24_hours(
    made: list[datetime], expected: int | None
) -> None:
    assert retry_after(made, T0) == expected


@pytest.mark.parametrize(
    ("data", "target"),
    [
        ({"email": " Colleague@Example.TEST "}, Target(email="colleague@example.test")),
        ({"goc_number": " 01-12345 "}, Target(goc_number="01-12345")),
        ({"goc_number": "01 -\t12345"}, Target(goc_number="01-12345")),
    ],
)
def test_targets_are_normalised(data: dict[str, Any], target: Target) -> None:
    assert parse_target(data) == target


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "a@b.test", "goc_number": "01-12345"},
        {"email": "not an email"},
        {"email": 7},
        {"email": ["a@b.test"]},
        {"goc_number": "nonsense"},
        {"goc_number": 12345},
        {"email": None, "goc_number": None},
    ],
)
def test_a_target_is_exactly_one_email_or_goc_number(data: dict[str, Any]) -> None:
    with pytest.raises(BadInput):
        parse_target(data)


@pytest.mark.parametrize(
    ("data", "is_self"),
    [
        ({"email": "me@example.test"}, True),
        ({"email": "  ME@Example.Test"}, True),
        ({"email": "me2@example.test"}, False),
        ({"goc_number": "01-12345"}, True),
        ({"goc_number": " 01- 12345 "}, True),
        ({"goc_number": "01-12346"}, False),
    ],
)
def test_oneself_by_email_or_goc_number_however_written(
    data: dict[str, Any], is_self: bool
) -> None:
    assert names_self(parse_target(data), "Me@Example.test", "01-12345") is is_self


def _within(made: list[datetime], at: datetime) -> int:
    return sum(1 for t in made if at - timedelta(hours=24) < t <= at)


@given(st.lists(st.integers(min_value=0, max_value=48 * 3600), max_size=25))
def test_retry_after_is_exactly_when_fewer_than_ten_are_within_the_day(
    ages: list[int],
) -> None:
    """Whatever was made when: no wait means fewer than ten in the last 24 hours;
    a wait of N seconds means still ten at N - 1 seconds and fewer at N."""
    made = [T0 - timedelta(seconds=a) for a in ages]
    wait = retry_after(made, T0)
    if wait is None:
        assert _within(made, T0) < DAILY_LIMIT
        return
    assert _within(made, T0) >= DAILY_LIMIT
    assert _within(made, T0 + timedelta(seconds=wait - 1)) >= DAILY_LIMIT
    assert retry_after(made, T0 + timedelta(seconds=wait)) is None
