"""What an invitation tells people: the invitee (by notification, or by email when they
have no account yet) and the inviter when it expires. Written in the caller's session."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.context import Context
from peercet.core.tables import Completion, Course, Invitation, Registrant
from peercet.notify.notices import Notice, notify, scheme_time, send_email


def _invite_notice(
    inviter: Registrant,
    invitation: Invitation,
    course: Course,
    tz: ZoneInfo,
) -> Notice:
    return Notice(
        kind="invited",
        subject=f"{inviter.name} invites you to discuss {course.ref}",
        body=f"{inviter.name} invites you to an interactive CET discussion of {course.ref} "
        f"{course.title}. Pass the course and choose the interactive discussion before "
        f"{scheme_time(invitation.expires_at, tz)} to be paired with them.",
        link=f"/courses/{course.ref}",
        dedupe_key=f"invited:{invitation.id}",
    )


def email_stranger(
    session: AsyncSession,
    inviter: Registrant,
    invitation: Invitation,
    course: Course,
    now: datetime,
    ctx: Context,
) -> None:
    """Someone without an account (by email) is asked to join; by GOC number we cannot
    reach them, and the invitation simply waits for them to register and pass."""
    if invitation.invitee_email is None:
        return
    notice = _invite_notice(inviter, invitation, course, ctx.tz)
    body = notice.body + " First create your Peercet account with this email address."
    joining = Notice(notice.kind, notice.subject, body, "/register", notice.dedupe_key)
    send_email(session, invitation.invitee_email, "colleague", joining, now, ctx.links)


async def tell_invitee(
    session: AsyncSession,
    inviter: Registrant,
    invitee: Registrant,
    invitation: Invitation,
    course: Course,
    now: datetime,
    ctx: Context,
) -> None:
    notice = _invite_notice(inviter, invitation, course, ctx.tz)
    await notify(session, invitee, notice, now, ctx.links)


async def tell_expired(
    session: AsyncSession,
    invitation: Invitation,
    completion: Completion,
    course: Course,
    now: datetime,
    ctx: Context,
) -> None:
    """The inviter is back in the public queue, at their old place (their deadline)."""
    notice = Notice(
        kind="invitation_expired",
        subject=f"Your invitation for {course.ref} has expired",
        body=f"Your invitation to discuss {course.ref} {course.title} was not taken up in "
        "time. You are back in the queue for a discussion partner, keeping your place and "
        f"your deadline, {scheme_time(completion.deadline, ctx.tz)}.",
        link=f"/completions/{completion.id}/waiting",
        dedupe_key=f"invitation_expired:{invitation.id}",
    )
    inviter = await session.get_one(Registrant, completion.registrant_id)
    await notify(session, inviter, notice, now, ctx.links, completion_id=completion.id)
