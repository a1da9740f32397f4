"""Discussions opened by the pairing action: two completions seeking a peer, paired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.opening import open_discussion
from peercet.core.tables import Completion, Course, DiscussionPrompt, Registrant
from tests.support.context import context
from tests.support.factories.completions import waiting
from tests.support.factories.courses import course
from tests.support.factories.people import registrant
from tests.support.factories.scheme import T0


async def pair(
    session: AsyncSession,
    what: Course,
    passed_at: datetime = T0,
    second_passed_at: datetime | None = None,
    people: tuple[Registrant, Registrant] | None = None,
) -> tuple[Completion, Completion, int]:
    """Two registrants of `what` (new ones unless `people`) in one open discussion, opened
    when the second passed; returns both completions and the discussion's id."""
    later = second_passed_at or passed_at
    a, b = people or (await registrant(session), await registrant(session))
    first = await waiting(session, a, what, passed_at)
    second = await waiting(session, b, what, later)
    discussion, _ = await open_discussion(session, [first, second], later, context())
    return first, second, discussion.id


async def prompt_ids(session: AsyncSession, discussion: int) -> list[int]:
    """The discussion's prompts, in order."""
    ids = await session.scalars(
        select(DiscussionPrompt.id)
        .where(DiscussionPrompt.discussion_id == discussion)
        .order_by(DiscussionPrompt.position)
    )
    return list(ids)


@dataclass
class Pair:
    """The ids a transport test needs of a paired discussion: Alice is `a`, Bob `b`."""

    discussion: int
    a: int
    b: int
    prompts: list[int]
    completions: tuple[int, int]


async def paired(
    sessions: async_sessionmaker[AsyncSession], now: datetime = T0, prompts: int = 2
) -> Pair:
    """Alice (an optometrist) and Bob (a dispensing optician) paired in a discussion of a
    course with `prompts` prompts; committed."""
    async with sessions() as session, session.begin():
        what = await course(session, prompts=[f"Prompt {i}?" for i in range(prompts)])
        a = await registrant(session, name="Alice Able")
        b = await registrant(session, profession="dispensing_optician", name="Bob Baker")
        first, second, did = await pair(session, what, now, people=(a, b))
        return Pair(did, a.id, b.id, await prompt_ids(session, did), (first.id, second.id))


@dataclass
class Room:
    """An open discussion of Alice and Bob, and a moderator who may watch it."""

    discussion: int
    alice: int
    bob: int
    moderator: int


async def watched(session: AsyncSession, **course_kw: Any) -> Room:
    """A pair in a discussion of a course made with `course_kw`, and Maud, a moderator."""
    first, second, did = await pair(session, await course(session, **course_kw))
    moderator = await registrant(session, role="moderator", name="Maud Moderator")
    return Room(did, first.registrant_id, second.registrant_id, moderator.id)
