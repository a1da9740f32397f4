"""Password hashes: argon2id (argon2-cffi), and the scrypt hashes of before.

A scrypt hash, or an argon2 one made with other costs than the configured ones,
still verifies and asks to be re-hashed (the sign-in that proved the password
does it). Refusing an unknown email costs one verification too, against a hash
made at start-up, so its answer takes as long as a wrong password's.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # the hashes made before argon2id


@dataclass(frozen=True)
class Cost:
    """argon2id's cost; the defaults are argon2-cffi's (RFC 9106, low memory)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class Check:
    ok: bool
    rehash: bool = False  # right, but made with an old scheme or other costs


class Passwords:
    def __init__(self, cost: Cost) -> None:
        self.hasher = PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        self.decoy = self.hasher.hash(secrets.token_hex(16))  # for unknown emails

    def hash(self, password: str) -> str:
        return self.hasher.hash(_utf8(password))

    def check(self, stored: str | None, password: str) -> Check:
        """Exactly one verification, whatever `stored` is (None: an unknown email)."""
        if stored is not None and stored.startswith("scrypt$"):
            return Check(_scrypt_matches(stored, password), rehash=True)
        try:
            self.hasher.verify(stored or self.decoy, _utf8(password))
        except (VerificationError, InvalidHashError):
            return Check(False)
        if stored is None:
            return Check(False)
        return Check(True, rehash=self.hasher.check_needs_rehash(stored))


@functools.cache
def passwords(cost: Cost) -> Passwords:
    """One hasher (and one decoy hash) per cost, for the process's lifetime."""
    return Passwords(cost)


def _utf8(password: str) -> bytes:
    """Bytes for any str: a lone surrogate is a wrong password, not an error."""
    return password.encode("utf-8", "surrogatepass")


def _scrypt_matches(stored: str, password: str) -> bool:
    try:
        _, salt_b64, digest_b64 = stored.split("$")
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    digest = hashlib.scrypt(_utf8(password), salt=salt, dklen=32, **SCRYPT)
    return hmac.compare_digest(digest, expected)


def scrypt_hash(password: str) -> str:
    """A hash as the service made them before argon2id (tests of the upgrade)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()
