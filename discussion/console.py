"""What the moderators' console reads, typed: the at-risk list, the audit log, the
discussions under watch and one discussion in full (API.md's Moderation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from discussion.views import DiscussionView
from discussion.wire import MessageFrame
from peercet.completions.frames import CompletionView


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
