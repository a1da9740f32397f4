"""The API's discussion resources, typed: what `GET /api/discussions/{id}` answers and
the parts the WebSocket's `joined` and `validation` frames repeat (API.md)."""

from __future__ import annotations

from typing import TypedDict


class ParticipantView(TypedDict):
    id: int
    name: str
    profession: str
    took_part: bool


class PromptView(TypedDict):
    id: int
    text: str


class ValidationView(TypedDict):
    registrant_id: int
    at: str
    peer_took_part: bool


class DecisionView(TypedDict):
    award: bool | None
    reason: str | None
    at: str


class DisputeView(TypedDict):
    """The dispute as its participants see it (the disputer's reason is for moderators)."""

    by: int
    at: str
    decision: DecisionView | None


class DiscussionView(TypedDict):
    """GET /api/discussions/{id}."""

    id: int
    course_ref: str
    course_title: str
    state: str
    closed_reason: str | None
    closes_at: str | None
    participants: list[ParticipantView]
    prompts: list[PromptView]
    validations: list[ValidationView]
    dispute: DisputeView | None
    last_seq: int
