"""On-screen notifications and outgoing email, written in the caller's transaction.

Email goes into the outbox table; a worker job sends it, so nothing is lost when
SMTP or the worker is down and a retried job sends nothing twice.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.context import Links
from peercet.core.tables import Notification, OutgoingEmail, Registrant


def scheme_time(at: datetime, tz: ZoneInfo) -> str:
    """A time as registrants read it, in scheme time."""
    local = at.astimezone(tz)
    return f"{local:%H:%M} {local.tzname()} on {local.day} {local:%B %Y}"


@dataclass(frozen=True)
class Notice:
    kind: str
    subject: str
    body: str
    link: str | None = None
    dedupe_key: str | None = None


def _html(notice: Notice, name: str) -> str:
    link = ""
    if notice.link:
        href = html.escape(notice.link, quote=True)
        link = f'<p><a href="{href}">{href}</a></p>'
    return (
        f"<html><body><p>Dear {html.escape(name)},</p>"
        f"<p>{html.escape(notice.body)}</p>{link}<p>Peercet</p></body></html>"
    )


def _text(notice: Notice, name: str) -> str:
    link = f"\n\n{notice.link}" if notice.link else ""
    return f"Dear {name},\n\n{notice.body}{link}\n\nPeercet\n"


async def notify(
    session: AsyncSession,
    registrant: Registrant,
    notice: Notice,
    now: datetime,
    links: Links,
    completion_id: int | None = None,
    email: bool = True,
) -> bool:
    """Record a notification (and its email) once per dedupe key; False if already sent."""
    one = [Addressed(registrant, notice, completion_id)]
    return await notify_many(session, one, now, links, email) == 1


def _absolute(links: Links, notice: Notice) -> Notice:
    """A page's path is no link in an email: BASE_URL goes in front of it."""
    if not notice.link:
        return notice
    return replace(notice, link=links.absolute(notice.link))


def send_email(
    session: AsyncSession, to_addr: str, name: str, notice: Notice, now: datetime, links: Links
) -> None:
    """Put one email in the outbox; also for people without an account (invitations)."""
    session.add(OutgoingEmail(**_email_values(_absolute(links, notice), to_addr, name, now)))


class Recipient(Protocol):
    """A registrant or any row with these three columns."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Addressed:
    recipient: Recipient
    notice: Notice
    completion_id: int | None = None


KEY_CHUNK = 500


async def _seen_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    seen: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        rows = await session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))
        )
        seen.update(key for key in rows if key is not None)
    return seen


async def notify_many(
    session: AsyncSession,
    items: Sequence[Addressed],
    now: datetime,
    links: Links,
    email: bool = True,
) -> int:
    """`notify` for many at once, in two bulk inserts; returns how many were new."""
    keys = [i.notice.dedupe_key for i in items if i.notice.dedupe_key is not None]
    seen = await _seen_keys(session, keys) if keys else set()
    fresh: list[Addressed] = []
    for item in items:
        key = item.notice.dedupe_key
        if key is None or key not in seen:
            fresh.append(item)
            if key is not None:
                seen.add(key)
    if not fresh:
        return 0
    # Core inserts (the tables, not the classes): no ORM bookkeeping for thousands of rows
    notes = [_notification_row(i, now) for i in fresh]
    await session.execute(insert(cast(Table, Notification.__table__)), notes)
    if email:
        await session.execute(
            insert(cast(Table, OutgoingEmail.__table__)),
            [
                _email_values(_absolute(links, i.notice), i.recipient.email, i.recipient.name, now)
                for i in fresh
            ],
        )
    return len(fresh)


def _notification_row(item: Addressed, now: datetime) -> dict[str, Any]:
    return {
        "registrant_id": item.recipient.id,
        "completion_id": item.completion_id,
        "kind": item.notice.kind,
        "body": item.notice.body,
        "dedupe_key": item.notice.dedupe_key,
        "created_at": now,
        "read_at": None,
    }


def _email_values(notice: Notice, to_addr: str, name: str, now: datetime) -> dict[str, Any]:
    return {
        "to_addr": to_addr,
        "subject": notice.subject,
        "text_body": _text(notice, name),
        "html_body": _html(notice, name),
        "dedupe_key": notice.dedupe_key,
        "created_at": now,
        "sent_at": None,
        "attempts": 0,
        "last_error": None,
        "next_attempt_at": None,
    }
