"""On-screen notifications and outgoing email, written in the caller's transaction.

Email goes into the outbox table; a worker job sends it, so nothing is lost when
SMTP or the worker is down and a retried job sends nothing twice.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.tables import Notification, OutgoingEmail, Registrant


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
    completion_id: int | None = None,
    email: bool = True,
) -> bool:
    """Record a notification (and its email) once per dedupe key; False if already sent."""
    if notice.dedupe_key is not None:
        seen = await session.scalar(
            select(Notification.id).where(Notification.dedupe_key == notice.dedupe_key)
        )
        if seen is not None:
            return False
    session.add(
        Notification(
            registrant_id=registrant.id,
            completion_id=completion_id,
            kind=notice.kind,
            body=notice.body,
            dedupe_key=notice.dedupe_key,
            created_at=now,
        )
    )
    if email:
        send_email(session, registrant.email, registrant.name, notice, now)
    return True


def send_email(
    session: AsyncSession, to_addr: str, name: str, notice: Notice, now: datetime
) -> None:
    """Put one email in the outbox; also for people without an account (invitations)."""
    session.add(
        OutgoingEmail(
            to_addr=to_addr,
            subject=notice.subject,
            text_body=_text(notice, name),
            html_body=_html(notice, name),
            dedupe_key=notice.dedupe_key,
            created_at=now,
        )
    )
