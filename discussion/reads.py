"""Reads: who may see a discussion, the discussion as the API shows it, its messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from discussion import rules
from discussion.console import Named
from discussion.frames import message_frame
from discussion.opening import closing_time
from discussion.views import (
    DecisionView,
    DiscussionView,
    DisputeView,
    ParticipantView,
    PromptView,
    ValidationView,
)
from discussion.wire import MessageFrame
from peercet.core.errors import Forbidden, NotFound
from peercet.core.tables import (
    Course,
    Discussion,
    DiscussionPrompt,
    Dispute,
    Message,
    Participant,
    Registrant,
    Validation,
)

MESSAGES_DEFAULT = 100
MESSAGES_MAX = 500


class Role(StrEnum):
    PARTICIPANT = "participant"
    MODERATOR = "moderator"  # reads everything, writes only notices


@dataclass(frozen=True)
class Access:
    discussion_id: int
    role: Role
    prompt_ids: frozenset[int]

    def require_validator(self) -> None:
        """Only participants validate: a moderator reads, and writes only notices."""
        if self.role is not Role.PARTICIPANT:
            raise Forbidden("only participants validate", "not_participant")


@dataclass(frozen=True, slots=True)
class Who:
    """Who asks: all that authorisation needs (a socket keeps this, not the row)."""

    id: int
    role: str


async def authorise(
    session: AsyncSession, registrant: Who | Registrant, discussion_id: int
) -> Access:
    """The one place that decides who may join, read or act in a discussion."""
    discussion = await session.get(Discussion, discussion_id)
    if discussion is None:
        raise NotFound("no such discussion")
    is_participant = await session.scalar(
        select(Participant.registrant_id).where(
            Participant.discussion_id == discussion_id,
            Participant.registrant_id == registrant.id,
        )
    )
    if is_participant is not None:
        role = Role.PARTICIPANT
    elif registrant.role == "moderator":
        role = Role.MODERATOR
    else:
        raise Forbidden("this is not your discussion", "not_participant")
    prompts = await session.scalars(
        select(DiscussionPrompt.id).where(DiscussionPrompt.discussion_id == discussion_id)
    )
    return Access(discussion_id, role, frozenset(prompts))


async def participants(session: AsyncSession, discussion_id: int) -> list[Registrant]:
    rows = await session.scalars(
        select(Registrant)
        .join(Participant, Participant.registrant_id == Registrant.id)
        .where(Participant.discussion_id == discussion_id)
        .order_by(Registrant.id)
    )
    return list(rows)


async def written_on(session: AsyncSession, discussion_id: int) -> dict[int, set[int | None]]:
    """Per author, the prompts (None: no prompt) they have written on."""
    rows = await session.execute(
        select(Message.author_id, Message.prompt_id)
        .where(Message.discussion_id == discussion_id, Message.kind == "peer")
        .distinct()
    )
    out: dict[int, set[int | None]] = defaultdict(set)
    for author, prompt in rows:
        if author is not None:
            out[author].add(prompt)
    return out


async def taking_part(session: AsyncSession, discussion_id: int) -> dict[int, bool]:
    people = await participants(session, discussion_id)
    prompts = await session.scalars(
        select(DiscussionPrompt.id).where(DiscussionPrompt.discussion_id == discussion_id)
    )
    return rules.taking_part(
        set(prompts), [p.id for p in people], await written_on(session, discussion_id)
    )


def participant_frame(registrant: Registrant, took: bool) -> ParticipantView:
    return {
        "id": registrant.id,
        "name": registrant.name,
        "profession": registrant.profession,
        "took_part": took,
    }


async def validations(session: AsyncSession, discussion_id: int) -> list[ValidationView]:
    rows = await session.scalars(
        select(Validation).where(Validation.discussion_id == discussion_id).order_by(Validation.id)
    )
    return [
        {
            "registrant_id": v.registrant_id,
            "at": v.at.isoformat(),
            "peer_took_part": v.peer_took_part,
        }
        for v in rows
    ]


async def dispute_view(session: AsyncSession, discussion_id: int) -> DisputeView | None:
    """The dispute as its participants see it: who disputed, when, and the decision with
    the moderator's reason (the disputer's own reason is for moderators)."""
    first = await session.scalar(
        select(Dispute).where(Dispute.discussion_id == discussion_id).order_by(Dispute.id).limit(1)
    )
    if first is None:
        return None
    decision: DecisionView | None = None
    if first.decided_at is not None:
        decision = {
            "award": first.award,
            "reason": first.decision_reason,
            "at": first.decided_at.isoformat(),
        }
    return {"by": first.disputer_id, "at": first.created_at.isoformat(), "decision": decision}


async def discussion_view(session: AsyncSession, discussion_id: int) -> DiscussionView:
    """GET /api/discussions/{id}."""
    discussion = await session.get_one(Discussion, discussion_id)
    course = await session.get_one(Course, discussion.course_id)
    prompts = await session.scalars(
        select(DiscussionPrompt)
        .where(DiscussionPrompt.discussion_id == discussion_id)
        .order_by(DiscussionPrompt.position)
    )
    took = await taking_part(session, discussion_id)
    people = await participants(session, discussion_id)
    closes_at = await closing_time(session, discussion_id)
    return {
        "id": discussion.id,
        "course_ref": course.ref,
        "course_title": course.title,
        "state": discussion.state,
        "closed_reason": discussion.closed_reason,
        "closes_at": None if closes_at is None else closes_at.isoformat(),
        "participants": [participant_frame(p, took.get(p.id, False)) for p in people],
        "prompts": [PromptView(id=p.id, text=p.text) for p in prompts],
        "validations": await validations(session, discussion_id),
        "dispute": await dispute_view(session, discussion_id),
        "last_seq": discussion.last_seq,
    }


async def messages_after(
    session: AsyncSession, discussion_id: int, after: int, limit: int = MESSAGES_MAX
) -> list[MessageFrame]:
    rows = await session.scalars(
        select(Message)
        .where(Message.discussion_id == discussion_id, Message.seq > after)
        .order_by(Message.seq)
        .limit(limit)
    )
    return [message_frame(m) for m in rows]


async def participants_named(
    session: AsyncSession, discussion_ids: list[int]
) -> dict[int, list[Named]]:
    """Who is in each discussion, for the moderators' list (by discussion id)."""
    people: dict[int, list[Named]] = {i: [] for i in discussion_ids}
    for did, rid, name in await session.execute(
        select(Participant.discussion_id, Registrant.id, Registrant.name)
        .join(Registrant, Registrant.id == Participant.registrant_id)
        .where(Participant.discussion_id.in_(discussion_ids))
    ):
        people[did].append(Named(id=rid, name=name))
    return people
