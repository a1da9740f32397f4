"""The rules of an invitation, pure (rule 3, issue 13.6): no I/O, tested by tables.

- An invitation stands for `LIFETIME` (72 hours), or until the inviter's deadline if
  that comes first (`expires_at`).
- A registrant makes at most `DAILY_LIMIT` (10) invitations in any rolling 24 hours
  (`LIMIT_WINDOW`), cancelled ones included; the next is refused until the oldest of
  those ten is 24 hours old (`retry_after`). Rolling, not per calendar day: no burst
  of twenty across midnight.
- Nobody invites themselves, by email (case and surrounding spaces ignored) or by GOC
  number (case and any whitespace ignored).
- An invitee answers only if their profession can take the course
  (`peercet.catalogue.loading.may_take`); the inviter is never told either way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from peercet.accounts.registrants import EMAIL, GOC_NUMBER
from peercet.core.errors import BadInput

LIFETIME = timedelta(hours=72)
DAILY_LIMIT = 10
LIMIT_WINDOW = timedelta(hours=24)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Target:
    """Whom an invitation names: exactly one of an email or a GOC number, normalised."""

    email: str | None = None
    goc_number: str | None = None


def normal_email(email: str) -> str:
    return email.strip().lower()


def normal_goc_number(number: str) -> str:
    """`" 01-12345 "`, `"01- 12345"` and `"01-12345"` name the same registrant."""
    return _SPACES.sub("", number).upper()


def parse_target(data: dict[str, Any]) -> Target:
    """Exactly one of {email} or {goc_number}, loosely validated, normalised."""
    email, goc = data.get("email"), data.get("goc_number")
    if (email is None) == (goc is None):
        raise BadInput("give either email or goc_number", "bad_input")
    if email is not None:
        if not isinstance(email, str) or not EMAIL.match(normal_email(email)):
            raise BadInput("email is not an email address", "bad_input")
        return Target(email=normal_email(email))
    if not isinstance(goc, str) or not GOC_NUMBER.match(normal_goc_number(goc)):
        raise BadInput("goc_number looks like 01-12345", "bad_input")
    return Target(goc_number=normal_goc_number(goc))


def names_self(target: Target, email: str, goc_number: str) -> bool:
    """Whether the target is the inviter themselves, however it is written."""
    if target.email is not None:
        return target.email == normal_email(email)
    return target.goc_number == normal_goc_number(goc_number)


def expires_at(created_at: datetime, inviter_deadline: datetime) -> datetime:
    """72 hours after it was made, or the inviter's deadline if sooner."""
    return min(created_at + LIFETIME, inviter_deadline)


def retry_after(recent: Sequence[datetime], now: datetime) -> int | None:
    """Seconds until the registrant may invite again, or None if they may now.

    `recent`: when their invitations of the last 24 hours were made (any order)."""
    within = sorted(t for t in recent if t > now - LIMIT_WINDOW)
    if len(within) < DAILY_LIMIT:
        return None
    frees_at = within[-DAILY_LIMIT] + LIMIT_WINDOW  # the oldest of the last ten ages out
    return max(1, math.ceil((frees_at - now).total_seconds()))
