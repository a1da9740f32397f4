"""GOC numbers, read loosely and kept in one canonical form (`01-12345`).

The GOC credits points to the number, so the service keeps one account per number;
that only holds if `01 12345`, `0112345` and `01` en-dash `12345` are one number.
Pure: no I/O, used by registration, the moderators' correction and the migration.
"""

from __future__ import annotations

import re

CANONICAL = re.compile(r"^[0-9]{2}-[0-9]{4,6}$")
EXAMPLE = "01-12345"
# hyphen-like characters people paste from documents and phones
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_LOOSE = re.compile(r"^([0-9]{2})-?([0-9]{4,6})$")


def normalise_goc_number(text: str) -> str | None:
    """`01-12345` from any common way of writing it; None when it is not a GOC number.

    Blanks anywhere (spaces, tabs, no-break spaces) are dropped, any dash becomes a
    hyphen, and a number written without one gets it after the two-digit prefix."""
    compact = "".join(text.translate(DASHES).split())
    found = _LOOSE.match(compact)
    return None if found is None else f"{found[1]}-{found[2]}"
