"""Numbers written by a client (a path, a query string, JSON keys and values).

`str.isdigit` is true of "²" and "٣", which `int` refuses or reads: a client's
number is ASCII digits, and an id fits the databases' INTEGER column, or it names
nothing (PostgreSQL refuses a larger one with an error, not an empty answer).
Digits past `MAX_DIGITS` are out of every range the service has: they are not read
at all (Python refuses `int()` of over 4,300 digits with an error).
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**31 - 1
MAX_DIGITS = 18  # below 2^63: what a 64-bit column can hold


def whole(text: Any) -> int | None:
    """The whole number `text` writes in at most MAX_DIGITS ASCII digits, or None."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None


def is_id(value: Any) -> bool:
    """An integer (not a bool) that a row's id or a message's seq can be."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
