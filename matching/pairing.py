"""Pairing: from the atomic Redis step to one committed discussion.

`Matcher` is the `queue_sync` of `peercet.core.publish.Effects`: after an edge commits,
it takes completions out of the queues (`Aftermath.dequeue`) and puts them in
(`Aftermath.requeue`), pairs an invitee with their inviter ahead of the queue, then
pairs each touched course while a pair can be made. The deliveries of the pairings it
makes are appended to the aftermath, so the edge publishes them after its own.

A pair taken from Redis is committed through `discussion.opening.open_discussion`, which
moves both completions only if both are still seeking a peer: the database decides,
exactly once. If that write fails, whoever still waits goes back in the queue. The
pair it names as met (`Aftermath.paired`), made here or by an edge's invitation, joins the
met set after the commit, so they are never paired together again that year.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import and_, exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.expression import ColumnElement, Exists

from discussion.opening import open_discussion
from matching import invitees
from matching.invitations import PENDING
from matching.queue import Entry, Queues
from peercet.completions.lifecycle import State, cet_year, within_deadline
from peercet.core.context import Context
from peercet.core.db import transaction
from peercet.core.errors import Conflict
from peercet.core.publish import Aftermath, Effects, JobQueue, RedisPublisher
from peercet.core.tables import Completion, Invitation

log = logging.getLogger(__name__)

Pair = tuple[Entry, Entry]


def _entry(completion: Completion) -> Entry:
    return Entry(completion.course_id, completion.id, completion.registrant_id, completion.deadline)


def invited_out() -> Exists:
    """Completions out of the public queue because their invitation stands."""
    return exists().where(
        and_(Invitation.completion_id == Completion.id, Invitation.state == PENDING)
    )


def in_public_queue(now: datetime) -> ColumnElement[bool]:
    """Waiting in the database, within the deadline, not held back by an invitation."""
    return and_(
        Completion.state == State.SEEKING_PEER.value,
        Completion.deadline > now,
        ~invited_out(),
    )


class Matcher:
    """Keeps the queues in step with the database and makes the pairs."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        ctx: Context,
    ) -> None:
        self.sessions = sessions
        self.queues = Queues(redis)
        self.ctx = ctx
        self.clock = ctx.clock

    async def __call__(self, aftermath: Aftermath) -> None:
        try:
            if aftermath.paired:  # before anyone goes back in a queue
                await self.queues.remember_met(aftermath.paired)
            if aftermath.dequeue:
                await self.queues.remove(await self._load(aftermath.dequeue))
            if aftermath.requeue:
                aftermath.deliveries.extend((await self.enter(aftermath.requeue)).deliveries)
        except SQLAlchemyError as exc:  # what was asked is committed; the rebuild catches up
            log.warning("queues not updated after a commit (%s); the rebuild will", exc)

    async def _load(self, completion_ids: Iterable[int]) -> list[Entry]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Completion).where(Completion.id.in_(list(completion_ids)))
            )
            return [_entry(c) for c in rows]

    async def enter(self, completion_ids: Iterable[int]) -> Aftermath:
        """Completions now seeking a peer: to their inviter, or into the public queue."""
        now = self.clock.now()
        aftermath = Aftermath()
        unpaired: list[int] = []
        # an inviter may answer another's invitation (two who invite each other)
        for completion in await self._seeking(completion_ids, now, inviting=True):
            paired = await self._pair_invited(completion, now)
            if paired is None:
                unpaired.append(completion.id)
            else:
                aftermath.extend(paired)
        public = [_entry(c) for c in await self._seeking(unpaired, now)] if unpaired else []
        await self.queues.add(public)
        for course_id in sorted({e.course_id for e in public}):
            aftermath.extend(await self.pair_course(course_id))
        return aftermath

    async def _seeking(
        self, completion_ids: Iterable[int], now: datetime, inviting: bool = False
    ) -> list[Completion]:
        """Those still waiting in the database and (unless `inviting`) not held back by
        an invitation of their own."""
        held_back = [] if inviting else [~invited_out()]
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Completion).where(
                    Completion.id.in_(list(completion_ids)),
                    Completion.state == State.SEEKING_PEER.value,
                    *held_back,
                )
            )  # the deadline is checked here, not in SQL: see discussion.opening.open_discussion
            return [c for c in rows if within_deadline(c.deadline, now)]

    async def _pair_invited(self, completion: Completion, now: datetime) -> Aftermath | None:
        async with self.sessions() as session:  # read first: most have no invitation
            if await invitees.find_invitation(session, completion, now) is None:
                return None
        try:
            async with transaction(self.sessions) as session:
                mine = await session.get_one(Completion, completion.id)
                aftermath = await invitees.pair_invitee(session, mine, now, self.ctx)
        except Conflict:
            return None  # the inviter left meanwhile: the public queue it is
        if aftermath is not None:
            await self.queues.remember_met(aftermath.paired)
        return aftermath

    async def pair_invitees(self, now: datetime) -> Aftermath:
        """Every waiting invitee with their inviter: the rebuild's safety net for a
        choice whose after-commit step was lost or ran before the invitation committed."""
        async with self.sessions() as session:
            waiting = await invitees.waiting_invitees(session)
        aftermath = Aftermath()
        for completion in waiting:
            aftermath.extend(await self._pair_invited(completion, now) or Aftermath())
        return aftermath

    async def pair_course(self, course_id: int) -> Aftermath:
        """Make every pair the course's queue allows now."""
        aftermath = Aftermath()
        while True:
            now = self.clock.now()
            year = cet_year(now, self.ctx.tz)
            taken = await self.queues.take_pair(course_id, year, now)
            if taken is None:
                return aftermath
            try:
                aftermath.extend(await self._commit(taken, now))
            except Conflict:
                await self._give_back(course_id, year, taken, now, checked=True)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("pairing not recorded (%s): both go back in the queue", exc)
                await self._give_back(course_id, year, taken, now, checked=False)
                return aftermath

    async def _commit(self, taken: Pair, now: datetime) -> Aftermath:
        async with transaction(self.sessions) as session:
            completions = [await session.get(Completion, e.completion_id) for e in taken]
            found = [c for c in completions if c is not None]
            if len(found) != 2:
                raise Conflict("a completion has gone", "state_changed")
            _, aftermath = await open_discussion(session, found, now, self.ctx)
            await invitees.end_pending(session, [c.id for c in found], now)
            return aftermath

    async def _give_back(
        self, course_id: int, year: int, taken: Pair, now: datetime, checked: bool
    ) -> None:
        """Undo a pairing the database did not record: both go back where they were,
        or, when the database refused it, only whoever still waits there."""
        first, second = taken
        await self.queues.forget_met(course_id, year, first.registrant_id, second.registrant_id)
        back = list(taken)
        if checked:
            waiting = {c.id for c in await self._seeking([e.completion_id for e in taken], now)}
            back = [e for e in taken if e.completion_id in waiting]
        await self.queues.add(back)


def matching_effects(
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    ctx: Context,
    jobs: JobQueue | None = None,
) -> Effects:
    """The after-commit step with the queues kept in step: for the app and the worker."""
    return Effects(RedisPublisher(redis), Matcher(sessions, redis, ctx), jobs)
