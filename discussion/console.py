"""What the moderators' console reads, typed: the at-risk list, the audit log, the
discussions under watch and one discussion in full (API.md's Moderation)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypedDict

from discussion.views import DiscussionView
from discussion.wire import MessageFrame
from peercet.completions.frames import CompletionView
from peercet.core.tables import Discussion


class Named(TypedDict):
    id: int
    name: str | None


class AtRiskView(CompletionView):
    """A completion that may lose its interactive point, or whose upload is overdue."""

    registrant: Named
    risk: str  # "dispute_waiting" | "upload_overdue" | "quiet_discussion" | "no_discussion"
    closes_at: str | None


class AuditEntryView(TypedDict):
    id: int
    at: str
    actor: str
    action: str
    subject: str
    reason: str
    details: Mapping[str, object]


class WatchedView(TypedDict):
    """One line of the console's list of discussions."""

    id: int
    course_ref: str | None
    state: str
    closed_reason: str | None
    closes_at: str | None
    participants: list[Named]
    created_at: str
    last_message_at: str | None
    last_seq: int
    reported: bool


def watched_view(
    d: Discussion, reported: bool, course_ref: str | None, closes_at: datetime | None,
    participants: list[Named],
) -> WatchedView:  # fmt: skip
    last = d.last_message_at
    return {
        "id": d.id,
        "course_ref": course_ref,
        "state": d.state,
        "closed_reason": d.closed_reason,
        "closes_at": None if closes_at is None else closes_at.isoformat(),
        "participants": participants,
        "created_at": d.created_at.isoformat(),
        "last_message_at": None if last is None else last.isoformat(),
        "last_seq": d.last_seq,
        "reported": reported,
    }


class DisputeRecord(TypedDict):
    """Who said their peer did not take part, and why; and what was decided."""

    disputer_id: int
    reason: str
    at: str
    decided_at: str | None
    decided_by: int | None
    award: bool | None
    decision_reason: str | None


class ReportView(TypedDict):
    id: int
    reporter_id: int
    seq: int | None
    reason: str
    created_at: str
    resolved_at: str | None
    outcome: str | None


class DiscussionDetail(DiscussionView):
    """GET /api/moderation/discussions/{id}: with its full transcript and reports."""

    messages: list[MessageFrame]
    disputes: list[DisputeRecord]
    reports: list[ReportView]
