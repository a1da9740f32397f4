"""Signing in and changing a password: the password checked under the throttle.

These flows take the session factory, not one session: argon2 runs outside any
transaction (no write lock is held while it hashes), and a sign-in that proves a
password on an old hash writes the new hash in a short transaction of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.accounts import registrants as accounts
from peercet.accounts import throttle
from peercet.accounts.passwords import Cost, passwords
from peercet.core.db import transaction
from peercet.core.errors import BadInput, Forbidden, NotSignedIn
from peercet.core.publish import Aftermath
from peercet.core.tables import Registrant


@dataclass(frozen=True)
class Gate:
    """What checking a password needs: the database, the throttle's Redis, today's
    hashing cost, and who asks from which address, when."""

    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    cost: Cost
    client: str
    now: datetime


async def _password_matches(gate: Gate, registrant: Registrant | None, password: str) -> bool:
    """One argon2 verification whether or not the account exists (same time to refuse);
    a right password on an old hash is re-hashed with today's scheme and costs."""
    hasher = passwords(gate.cost)
    stored = None if registrant is None else registrant.password_hash
    check = await asyncio.to_thread(hasher.check, stored, password)
    if registrant is None or not check.ok:
        return False
    if check.rehash:
        fresh = await asyncio.to_thread(hasher.hash, password)
        async with transaction(gate.sessions) as session:
            old = registrant.password_hash
            await accounts.set_password_hash(session, registrant.id, old, fresh)
        registrant.password_hash = fresh
    return True


async def verified(gate: Gate, registrant: Registrant | None, email: str, password: str) -> bool:
    """The password checked under the sign-in throttle of (account, client address)."""
    await throttle.check(gate.redis, email, gate.client, gate.now)
    if not await _password_matches(gate, registrant, password):
        await throttle.failed(gate.redis, email, gate.client, gate.now)
        return False
    await throttle.succeeded(gate.redis, email, gate.client)
    return True


async def sign_in(gate: Gate, email: str, password: str) -> Registrant:
    """The account for these credentials; 401 when wrong, 429 after too many failures,
    403 `account_disabled` (only to whoever knows the password)."""
    async with gate.sessions() as session:
        registrant = await accounts.by_email(session, email)
    if not await verified(gate, registrant, email, password) or registrant is None:
        raise NotSignedIn("wrong email or password", "wrong_credentials")
    if registrant.disabled_at is not None:
        raise Forbidden("this account has been disabled by the provider", "account_disabled")
    return registrant


async def change_password(gate: Gate, registrant: Registrant, current: str, new: str) -> Aftermath:
    """The registrant's new password: every session ends (the registrant's epoch moves,
    so the caller can re-issue its own). A wrong current password is 403 and counts
    as a failure."""
    if problem := accounts.password_problem(new):
        raise BadInput(f"new_password {problem}", "invalid_password")
    if not await verified(gate, registrant, registrant.email, current):
        raise Forbidden("the current password is wrong", "wrong_password")
    hashed = await asyncio.to_thread(passwords(gate.cost).hash, new)
    async with transaction(gate.sessions) as session:
        registrant.session_epoch, aftermath = await accounts.change_password(
            session, registrant.id, hashed
        )
    return aftermath
