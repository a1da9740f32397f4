"""Wire frames built from rows: the API's `completion` object, and its delivery to the
registrant's sockets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peercet.completions.lifecycle import Mode, State
from peercet.core.publish import Delivery
from peercet.core.tables import Completion, Course, PointRecord


def completion_frame(
    completion: Completion, course: Course, award: PointRecord | None
) -> dict[str, Any]:
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


def points_frame(award: PointRecord | None) -> dict[str, int]:
    """The points awarded (rules 6 and 9), not what the course is worth today: a course
    re-imported with other points changes no completed CET. 0 of each until awarded."""
    points = {kind.value: 0 for kind in Mode}
    if award is not None:
        points[award.kind] = award.points
    return points


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def completion_delivery(
    completion: Completion, course: Course, award: PointRecord | None
) -> Delivery:
    frame = {"type": "completion", "completion": completion_frame(completion, course, award)}
    return Delivery(frame, registrant_id=completion.registrant_id)
