"""A registrant's notifications: the API's `notification` object, listing them, marking
them read. Every read is scoped to the registrant asking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.tables import Notification


class NotificationView(TypedDict):
    """API.md's `notification`."""

    id: int
    kind: str
    body: str
    completion_id: int | None
    created_at: str
    read: bool


def notification_frame(note: Notification) -> NotificationView:
    return {
        "id": note.id,
        "kind": note.kind,
        "body": note.body,
        "completion_id": note.completion_id,
        "created_at": note.created_at.isoformat(),
        "read": note.read_at is not None,
    }


async def notifications_of(
    session: AsyncSession, registrant_id: int, completion_id: int | None = None, limit: int = 100
) -> list[Notification]:
    """Newest first; those of one completion when `completion_id` is given."""
    query = select(Notification).where(Notification.registrant_id == registrant_id)
    if completion_id is not None:
        query = query.where(Notification.completion_id == completion_id)
    return list(await session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


async def mark_read(
    session: AsyncSession, registrant_id: int, ids: Sequence[int] | None, now: datetime
) -> int:
    """Mark the registrant's unread notifications read (those in `ids`, or all)."""
    query = update(Notification).where(
        Notification.registrant_id == registrant_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    result = await session.execute(query.values(read_at=now).returning(Notification.id))
    return len(result.all())
