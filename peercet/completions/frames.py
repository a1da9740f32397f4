"""Wire frames built from rows: the API's `completion` object, and its delivery to the
registrant's sockets."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from peercet.completions.lifecycle import Mode, State
from peercet.core.publish import Delivery
from peercet.core.tables import Completion, Course, PointRecord
from peercet.notify.inbox import NotificationView


class PointsView(TypedDict):
    """The points awarded, of each kind (0 until awarded)."""

    interactive: int
    non_interactive: int


class CompletionView(TypedDict):
    """API.md's `completion`."""

    id: int
    course_ref: str
    course_title: str
    state: str
    deadline: str
    discussion_id: int | None
    points: PointsView
    fallback: bool
    passed_at: str
    queued_at: str | None
    completed_at: str | None
    uploaded_at: str | None
    cet_year: int
    cycle: str


class CompletionDetail(CompletionView):
    """GET /api/completions: with what the registrant must do next, and by when."""

    next_step: str
    closes_at: str | None


class CompletionWithNotices(CompletionDetail):
    """GET /api/completions/{id}: one completion with its notifications too."""

    notifications: list[NotificationView]


class CompletionFrame(TypedDict):
    """`{"type": "completion", ...}`: any state change of one of the registrant's."""

    type: Literal["completion"]
    completion: CompletionView


def completion_frame(
    completion: Completion, course: Course, award: PointRecord | None
) -> CompletionView:
    """The API's `completion` object; `award` is its point record (None while open)."""
    state = State(completion.state)
    return {
        "id": completion.id,
        "course_ref": course.ref,
        "course_title": course.title,
        "state": state.value,
        "deadline": completion.deadline.isoformat(),
        "discussion_id": completion.discussion_id,
        "points": points_frame(award),
        "fallback": completion.fallback,
        "passed_at": completion.passed_at.isoformat(),
        "queued_at": _iso(completion.queued_at),
        "completed_at": _iso(completion.completed_at),
        "uploaded_at": _iso(completion.uploaded_at),
        "cet_year": completion.cet_year,
        "cycle": completion.cycle,
    }


def points_frame(award: PointRecord | None) -> PointsView:
    """The points awarded (rules 6 and 9), not what the course is worth today: a course
    re-imported with other points changes no completed CET. 0 of each until awarded."""
    if award is None:
        return PointsView(interactive=0, non_interactive=0)
    if award.kind == Mode.INTERACTIVE.value:
        return PointsView(interactive=award.points, non_interactive=0)
    return PointsView(interactive=0, non_interactive=award.points)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def completion_delivery(
    completion: Completion, course: Course, award: PointRecord | None
) -> Delivery:
    frame = CompletionFrame(
        type="completion", completion=completion_frame(completion, course, award)
    )
    return Delivery(frame, registrant_id=completion.registrant_id)
