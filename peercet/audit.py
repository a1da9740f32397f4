"""The append-only audit log: who did what, when, to what, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.tables import AuditEntry, Registrant

SYSTEM = "system"


def actor_name(actor: Registrant | None) -> str:
    return SYSTEM if actor is None else f"{actor.role}:{actor.id}"


async def record(
    session: AsyncSession,
    at: datetime,
    actor: Registrant | None,
    action: str,
    subject: str,
    reason: str = "",
    **details: Any,
) -> None:
    await record_many(session, at, actor, action, [subject], reason, **details)


async def record_many(
    session: AsyncSession,
    at: datetime,
    actor: Registrant | None,
    action: str,
    subjects: list[str],
    reason: str = "",
    **details: Any,
) -> None:
    if not subjects:
        return
    rows = [
        {
            "at": at,
            "actor": actor_name(actor),
            "actor_id": None if actor is None else actor.id,
            "action": action,
            "subject": subject,
            "reason": reason,
            "details": details,
        }
        for subject in subjects
    ]
    await session.execute(insert(AuditEntry), rows)
