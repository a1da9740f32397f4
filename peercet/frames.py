"""Wire frames built from rows: the API's `completion` object and its event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peercet.events import Event
from peercet.lifecycle import State
from peercet.tables import Completion, Course


def completion_frame(completion: Completion, course: Course) -> dict[str, Any]:
    """The API's `completion` object."""
    state = State(completion.state)
    earned_interactive = state is State.COMPLETED_INTERACTIVE
    earned_non_interactive = state is State.COMPLETED_NON_INTERACTIVE
    return {
        "id": completion.id,
        "course_ref": course.ref,
        "course_title": course.title,
        "state": state.value,
        "deadline": completion.deadline.isoformat(),
        "discussion_id": completion.discussion_id,
        "points": {
            "interactive": course.points if earned_interactive else 0,
            "non_interactive": course.points if earned_non_interactive else 0,
        },
        "fallback": completion.fallback,
        "passed_at": completion.passed_at.isoformat(),
        "queued_at": _iso(completion.queued_at),
        "completed_at": _iso(completion.completed_at),
        "uploaded_at": _iso(completion.uploaded_at),
        "cet_year": completion.cet_year,
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def completion_event(completion: Completion, course: Course) -> Event:
    frame = {"type": "completion", "completion": completion_frame(completion, course)}
    return Event(frame, registrant_id=completion.registrant_id)
