"""Text written by a client, checked before it goes anywhere near the databases.

`json.loads` keeps a lone surrogate (`"\\ud800"`): it cannot be encoded as UTF-8,
so a driver or a response fails on it later, far from the input. NUL is refused by
PostgreSQL and silently stored by SQLite. Both are refused at the edge instead.
"""

from __future__ import annotations


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as it is, or None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain lone surrogates (it is not valid Unicode)"
    return None


def storable(text: str) -> bool:
    return text_problem(text) is None
