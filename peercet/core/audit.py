"""The append-only audit log: who did what, when, to what, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.errors import BadInput
from peercet.core.tables import AuditEntry, Registrant

SYSTEM = "system"


def check_reason(reason: Any) -> str:
    """Every moderator action says why: a reason is required, and bounded."""
    if not isinstance(reason, str) or not reason.strip():
        raise BadInput("every moderator action needs a reason", "reason_required")
    if len(reason) > 2000:
        raise BadInput("a reason is at most 2,000 characters", "reason_too_long")
    return reason.strip()


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
