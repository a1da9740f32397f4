"""Moderators: what is at risk, what is under way, and stepping in (always with a reason)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion import disputes, reads
from discussion import opening as rooms
from discussion.actions import Post, message_deliveries, store_messages
from discussion.console import (
    AtRiskView,
    AuditEntryView,
    DiscussionDetail,
    DisputeRecord,
    WatchedView,
    watched_view,
)
from discussion.frames import MAX_BODY
from discussion.wire import MessageFrame
from peercet.completions.actions import OPEN, awards_of, courses_by_id
from peercet.completions.frames import completion_frame
from peercet.completions.lifecycle import UNDECIDED_DISCUSSIONS, DiscussionState, State
from peercet.core import audit
from peercet.core.audit import check_reason
from peercet.core.context import Context, Links
from peercet.core.errors import BadInput, Conflict, NotFound
from peercet.core.publish import Aftermath
from peercet.core.tables import (
    AuditEntry,
    Completion,
    Course,
    Discussion,
    Dispute,
    Registrant,
    Report,
)

# "Near": a deadline within 3 days. "Quiet": no message for 24 hours (or none since pairing).
NEAR = timedelta(days=3)
QUIET = timedelta(hours=24)
OUTCOMES = {"void": "voided", "repair": "repair"}
WATCHED = 500  # discussions in the console's list, newest first


async def close(
    session: AsyncSession,
    moderator: Registrant,
    discussion_id: int,
    outcome: Any,
    reason: Any,
    now: datetime,
    links: Links,
) -> Aftermath:
    """Void (no interactive point from it) or repair (both re-paired): each participant
    within their deadline goes back to the queue, keeping it."""
    if outcome not in OUTCOMES:
        raise BadInput("outcome must be void or repair", "bad_outcome")
    why = check_reason(reason)
    discussion = await session.get(Discussion, discussion_id)
    if discussion is None:
        raise NotFound("no such discussion")
    if discussion.state not in UNDECIDED_DISCUSSIONS:  # a disputed one may be closed too
        raise Conflict("this discussion is already closed", "discussion_closed")
    result = await rooms.close_discussions(session, [discussion_id], OUTCOMES[outcome], now, links)
    if not result.deliveries:  # closed meanwhile (another moderator, a validation, a deadline)
        raise Conflict("this discussion is already closed", "discussion_closed")
    await audit.record(
        session, now, moderator, f"close_{outcome}", f"discussion:{discussion_id}", why
    )
    return result


async def decide(
    session: AsyncSession, moderator: Registrant, discussion_id: int, award: Any, reason: Any,
    now: datetime, ctx: Context,
) -> Aftermath:  # fmt: skip
    """A disputed discussion's decision (`discussion.disputes.decide`), with a reason."""
    if not isinstance(award, bool):
        raise BadInput("`award` must be true or false", "bad_award")
    why = check_reason(reason)
    if await session.get(Discussion, discussion_id) is None:
        raise NotFound("no such discussion")
    return await disputes.decide(session, moderator, discussion_id, award, why, now, ctx)


def _quiet(now: datetime) -> Any:
    last = func.coalesce(Discussion.last_message_at, Discussion.created_at)
    return exists().where(
        Discussion.id == Completion.discussion_id,
        Discussion.state == DiscussionState.OPEN.value,
        last < now - QUIET,
    )


def _disputed() -> Any:
    """In a disputed discussion: the point waits for a moderator's decision."""
    return exists().where(
        Discussion.id == Completion.discussion_id,
        Discussion.state == DiscussionState.DISPUTED.value,
    )


async def at_risk(session: AsyncSession, now: datetime) -> list[AtRiskView]:
    """Completions that may lose their interactive point, and uploads overdue."""
    near = and_(
        Completion.state.in_(OPEN),
        Completion.deadline <= now + NEAR,
        or_(Completion.state != State.IN_DISCUSSION.value, _quiet(now), _disputed()),
    )
    overdue = and_(Completion.upload_flagged_at.is_not(None), Completion.uploaded_at.is_(None))
    found = await session.execute(
        select(Completion, _disputed().label("disputed"))
        .where(or_(near, overdue))
        .order_by(Completion.deadline)
        .limit(500)
    )
    pairs = found.all()
    rows = [c for c, _ in pairs]
    disputed = {c.id for c, in_dispute in pairs if in_dispute}
    courses = await courses_by_id(session, {c.course_id for c in rows})
    awards = await awards_of(session, [c.id for c in rows])
    names = dict(
        (await session.execute(
            select(Registrant.id, Registrant.name).where(
                Registrant.id.in_({c.registrant_id for c in rows})
            )
        )).all()
    )  # fmt: skip
    closing = await rooms.closing_times(session, {c.discussion_id for c in rows if c.discussion_id})
    return [
        {
            **completion_frame(c, courses[c.course_id], awards.get(c.id)),
            "registrant": {"id": c.registrant_id, "name": names.get(c.registrant_id)},
            "risk": "dispute_waiting" if c.id in disputed else _risk(c),
            "closes_at": _closes(closing, c.discussion_id),
        }
        for c in rows
    ]


def _closes(closing: dict[int, datetime], discussion_id: int | None) -> str | None:
    at = closing.get(discussion_id) if discussion_id is not None else None
    return None if at is None else at.isoformat()


def _risk(completion: Completion) -> str:
    if completion.upload_flagged_at is not None and completion.uploaded_at is None:
        return "upload_overdue"
    if completion.state == State.IN_DISCUSSION.value:
        return "quiet_discussion"
    return "no_discussion"


async def audit_entries(session: AsyncSession, limit: int = 200) -> list[AuditEntryView]:
    rows = await session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "reason": e.reason,
            "details": e.details,
        }
        for e in rows
    ]


async def resolve_report(
    session: AsyncSession, moderator: Registrant, report_id: int, outcome: Any, now: datetime
) -> Report:
    why = check_reason(outcome)
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound("no such report")
    if report.resolved_at is not None:
        raise Conflict("this report is already resolved", "already_resolved")
    report.resolved_at, report.resolved_by, report.outcome = now, moderator.id, why
    await audit.record(session, now, moderator, "resolve_report", f"report:{report_id}", why)
    return report


async def discussions_under_watch(
    session: AsyncSession, state: str | None, reported: bool, only: int | None = None
) -> list[WatchedView]:
    """The console's list: disputed first (they wait for a decision), then newest first,
    filterable by state and by "reported" (or just the discussion `only`, however old)."""
    has_report = exists().where(Report.discussion_id == Discussion.id)
    waiting = case((Discussion.state == DiscussionState.DISPUTED.value, 0), else_=1)
    query = select(Discussion, has_report.label("reported")).order_by(waiting, Discussion.id.desc())
    if only is not None:
        query = query.where(Discussion.id == only)
    if state:
        query = query.where(Discussion.state == state)
    if reported:
        query = query.where(has_report)
    rows = (await session.execute(query.limit(WATCHED))).all()
    ids = [d.id for d, _ in rows]
    people = await reads.participants_named(session, ids)
    closing = await rooms.closing_times(session, ids)
    course_ids = {d.course_id for d, _ in rows}
    refs = dict((await session.execute(
        select(Course.id, Course.ref).where(Course.id.in_(course_ids))
    )).all())  # fmt: skip
    return [
        watched_view(d, bool(flag), refs.get(d.course_id), closing.get(d.id), people[d.id])
        for d, flag in rows
    ]


async def post_notice(
    session: AsyncSession, moderator: Registrant, discussion_id: int, body: Any, now: datetime
) -> tuple[MessageFrame, Aftermath]:
    """A `notice` message in the room, shown apart from the peers' messages."""
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        raise BadInput(f"a notice is 1 to {MAX_BODY} characters", "bad_notice")
    if await session.get(Discussion, discussion_id) is None:
        raise NotFound("no such discussion")
    post = Post(discussion_id, moderator.id, None, body.strip(), kind="notice")
    [stored] = await store_messages(session, [post], now)
    if stored.frame is None:
        raise Conflict("this discussion is closed", "discussion_closed")
    await audit.record(session, now, moderator, "notice", f"discussion:{discussion_id}", body)
    return stored.frame, Aftermath(message_deliveries([stored]))


async def dispute_records(session: AsyncSession, discussion_id: int) -> list[DisputeRecord]:
    """Who said their peer did not take part, and why; and what was decided."""
    rows = await session.scalars(
        select(Dispute).where(Dispute.discussion_id == discussion_id).order_by(Dispute.id)
    )
    return [
        {
            "disputer_id": d.disputer_id,
            "reason": d.reason,
            "at": d.created_at.isoformat(),
            "decided_at": None if d.decided_at is None else d.decided_at.isoformat(),
            "decided_by": d.decided_by,
            "award": d.award,
            "decision_reason": d.decision_reason,
        }
        for d in rows
    ]


async def discussion_detail(session: AsyncSession, discussion_id: int) -> DiscussionDetail:
    """The discussion with its full transcript and its reports."""
    if await session.get(Discussion, discussion_id) is None:
        raise NotFound("no such discussion")
    view = await reads.discussion_view(session, discussion_id)
    transcript: list[MessageFrame] = []
    while batch := await reads.messages_after(session, discussion_id, len(transcript)):
        transcript.extend(batch)
    reports = await session.scalars(
        select(Report).where(Report.discussion_id == discussion_id).order_by(Report.id)
    )
    return {
        **view,
        "messages": transcript,
        "disputes": await dispute_records(session, discussion_id),
        "reports": [
            {
                "id": r.id,
                "reporter_id": r.reporter_id,
                "seq": r.seq,
                "reason": r.reason,
                "created_at": r.created_at.isoformat(),
                "resolved_at": None if r.resolved_at is None else r.resolved_at.isoformat(),
                "outcome": r.outcome,
            }
            for r in reports
        ],
    }
