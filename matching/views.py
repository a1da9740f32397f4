"""Matching's API resources, typed: an invitation as its inviter and as its invitee see
it, and where a completion stands in the queue."""

from __future__ import annotations

from typing import TypedDict


class InvitationView(TypedDict):
    """What the inviter sees: the same fields whoever the address belongs to."""

    id: int
    completion_id: int
    email: str | None
    goc_number: str | None
    state: str
    created_at: str
    expires_at: str


class InvitationToMe(TypedDict):
    """A standing invitation as the colleague it names sees it."""

    id: int
    course_ref: str
    course_title: str
    inviter_name: str
    expires_at: str
    may_accept: bool


class WaitingView(TypedDict):
    """GET /api/completions/{id}/waiting: counted from the database, not from Redis."""

    completion_id: int
    state: str
    waiting: bool
    waiting_since: str | None
    others_waiting: int
    ahead: int
    deadline: str
    discussion_id: int | None
    closes_at: str | None
    invitation: InvitationView | None
