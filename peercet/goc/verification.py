"""Verification codes printed on certificates (pure).

A code is random and stored with its certificate, not signed: it verifies whatever
happens to `SECRET_KEYS`, a key removed after a rotation included. 16 characters from
an alphabet without look-alikes (no 0/O, 1/I/L) carry about 79 bits, so codes cannot be
guessed; they are shown in groups of four (`7KQ2-M9XD-4HPA-Z3WE`) so that a person can
type one from paper, in any case and with or without the hyphens.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 16
GROUP = 4


def new_code() -> str:
    """A fresh code in its stored form (no hyphens)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """The stored form of a code as someone typed or linked it, or None when it
    cannot be one (any other length or character)."""
    if len(text) > 2 * LENGTH:
        return None
    code = text.replace("-", "").replace(" ", "").upper()
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def display(code: str) -> str:
    """The printed form: groups of four joined by hyphens."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
