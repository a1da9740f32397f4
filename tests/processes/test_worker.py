"""The worker with a real Redis and an in-process arq worker, time from an injected clock:
deadline jobs, the sweep that catches what a job missed, and losing a peer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from arq.constants import job_key_prefix as ARQ_JOB_PREFIX
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.invitation_rules import LIFETIME
from matching.invitations import Target
from matching.queue import Queues
from peercet.completions import lifecycle
from peercet.completions.actions import record_pass
from peercet.completions.lifecycle import State
from peercet.core import keys
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import (
    Completion,
    Course,
    Discussion,
    Notification,
    OutgoingEmail,
    PointRecord,
)
from tests.support import factories as f
from tests.support.context import context
from tests.support.services import run_peercet
from tests.support.worker_helpers import arrive, ctx, run_burst, worker_resources
from workers import jobs

DUE = f.T0 + timedelta(days=14)


async def test_a_deadline_job_falls_back_and_tells_the_registrant(settings: Settings) -> None:
    passed = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    due = lifecycle.deadline(passed, f.LONDON)
    async with worker_resources(settings, due) as res:
        async with transaction(res.sessions) as session:
            who = await f.registrant(session)
            course = await f.course(session)
            result = await record_pass(session, who, course, passed, context())
        await res.effects(result.aftermath)  # after commit: a job at the deadline
        cid = result.completion.id
        (job,) = await res.redis.queued_jobs()
        assert job.job_id == keys.deadline_job_id(cid, int(due.timestamp()))
        assert job.score == int(due.timestamp() * 1000)  # deferred to the deadline
        assert (job.function, job.args) == ("deadline", (cid,))
        assert job.score > datetime.now(UTC).timestamp() * 1000  # not yet due
        await arrive(res, job.job_id)  # the deadline arrives
        listener = Redis.from_url(settings.redis_url)
        pubsub = listener.pubsub()
        await pubsub.subscribe(keys.registrant_channel(who.id))
        await pubsub.get_message(timeout=1)  # the subscription's confirmation
        assert await run_burst(res) == 1
        frame = await pubsub.get_message(timeout=2)
        await pubsub.aclose()
        await listener.aclose()
        assert frame is not None
        event = json.loads(frame["data"])
        assert event["type"] == "completion"
        assert event["completion"]["state"] == "completed_non_interactive"
        assert event["completion"]["fallback"] is True
        async with res.sessions() as session:
            completion = await session.get_one(Completion, cid)
            assert completion.state == State.COMPLETED_NON_INTERACTIVE
            assert completion.fallback is True
            assert await session.scalar(select(func.count()).select_from(PointRecord)) == 1
            kinds = set(await session.scalars(select(Notification.kind)))
            assert kinds == {"fallback"}
            assert await session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1
        # the job kept no result: the same deadline can be scheduled again, and only once
        await res.effects.schedule([(cid, due), (cid, due)])
        (again,) = await res.redis.queued_jobs()
        await arrive(res, again.job_id)
        assert await run_burst(res) == 1  # a repeated deadline job changes nothing
        async with res.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(PointRecord)) == 1


async def test_a_job_that_fires_early_does_nothing_and_the_sweep_catches_it(
    settings: Settings,
) -> None:
    async with worker_resources(settings, DUE - timedelta(seconds=1)) as res:
        async with transaction(res.sessions) as session:
            result = await record_pass(
                session, await f.registrant(session), await f.course(session), f.T0, context()
            )
        await res.effects(result.aftermath)
        assert await run_burst(res) == 1
        async with res.sessions() as session:
            completion = await session.get_one(Completion, result.completion.id)
            assert completion.state == State.AWAITING_CHOICE
        res.clock.advance(timedelta(seconds=31))  # type: ignore[attr-defined]
        assert (await jobs.sweep(ctx(res)))["fallbacks"] == 1
        assert (await jobs.sweep(ctx(res)))["fallbacks"] == 0


async def test_jobs_lost_with_redis_are_caught_by_the_sweep_within_a_minute(
    settings: Settings,
) -> None:
    async with worker_resources(settings, DUE + timedelta(seconds=59)) as res:
        async with transaction(res.sessions) as session:
            course = await f.course(session)
            ids = []
            for _ in range(3):
                result = await record_pass(
                    session, await f.registrant(session), course, f.T0, context()
                )
                ids.append(result.completion.id)
        # Redis restarted without its data before the effects ran: no deadline jobs at all
        await res.redis.flushall()
        assert await res.redis.queued_jobs() == []
        assert (await jobs.sweep(ctx(res)))["fallbacks"] == 3
        async with res.sessions() as session:
            states = set(
                await session.scalars(select(Completion.state).where(Completion.id.in_(ids)))
            )
            assert states == {State.COMPLETED_NON_INTERACTIVE}
            assert await session.scalar(select(func.count()).select_from(PointRecord)) == 3


async def due_and_later(session: AsyncSession) -> tuple[Course, Completion, Completion, int]:
    """Two registrants of a course in a discussion: the first's deadline is DUE, the
    other passed two days later."""
    course = await f.course(session)
    first, later, discussion = await f.pair(session, course, f.T0, f.T0 + timedelta(days=2))
    return course, first, later, discussion


async def test_a_fallback_closes_the_discussion_and_the_peer_goes_back_to_the_queue(
    settings: Settings,
) -> None:
    async with worker_resources(settings, DUE) as res:
        async with transaction(res.sessions) as session:
            course, first, later, discussion = await due_and_later(session)
        listener = Redis.from_url(settings.redis_url)
        pubsub = listener.pubsub()
        await pubsub.subscribe(keys.discussion_channel(discussion))
        await pubsub.get_message(timeout=1)
        assert (await jobs.sweep(ctx(res)))["fallbacks"] == 1
        frame = await pubsub.get_message(timeout=2)
        await pubsub.aclose()
        await listener.aclose()
        assert frame is not None and json.loads(frame["data"])["type"] == "closed"
        async with res.sessions() as session:
            assert (await session.get_one(Discussion, discussion)).state == "closed"
            peer = await session.get_one(Completion, later.id)
            assert (peer.state, peer.discussion_id) == (State.SEEKING_PEER, None)
            gone = await session.get_one(Completion, first.id)
            assert (gone.state, gone.fallback) == (State.COMPLETED_NON_INTERACTIVE, True)
        assert [cid for cid, _ in await Queues(res.redis).members(course.id)] == [later.id]


async def test_a_fallback_by_the_command_line_has_the_worker_requeue_the_peer(
    settings: Settings,
) -> None:
    """`peercet deadlines run` runs no matcher: it asks the worker (one job, however many
    fallbacks), which puts the peer back in the queue and pairs them with who waits."""
    async with worker_resources(settings, DUE) as res:
        async with transaction(res.sessions) as session:
            course, _, later, _ = await due_and_later(session)
            newcomer = await f.waiting(
                session, await f.registrant(session), course, f.T0 + timedelta(days=3)
            )
        await res.redis.flushall()  # nobody is in Redis but what the command brings
        args = ("deadlines", "run", "--now", DUE.isoformat())
        ran, _ = run_peercet(settings.database_url, settings.redis_url, *args)
        assert ran == {"fallbacks": 1}
        asked = await res.redis.keys(ARQ_JOB_PREFIX + keys.rebuild_queues_job_id("*"))
        assert len(asked) == 1  # one job for the run
        await run_burst(res)
        async with res.sessions() as session:
            peer = await session.get_one(Completion, later.id)
            other = await session.get_one(Completion, newcomer.id)
            assert peer.state == other.state == State.IN_DISCUSSION
            assert peer.discussion_id == other.discussion_id is not None


async def test_the_queue_rebuild_job_restores_a_flushed_redis(settings: Settings) -> None:
    async with worker_resources(settings, f.T0 + timedelta(hours=1)) as res:
        async with transaction(res.sessions) as session:
            course = await f.course(session)
            alone = await f.waiting(session, await f.registrant(session), course)
        await res.redis.flushall()
        assert await Queues(res.redis).members(course.id) == []
        assert (await jobs.rebuild_queues(ctx(res)))["courses"] == 1
        assert [cid for cid, _ in await Queues(res.redis).members(course.id)] == [alone.id]


async def test_a_missed_weekly_upload_is_caught_up_by_the_sweep(settings: Settings) -> None:
    async with worker_resources(settings, datetime(2026, 3, 13, 8, 59, tzinfo=UTC)) as res:
        async with transaction(res.sessions) as session:
            plain = await f.course(session, interactive=False)
            at = datetime(2026, 3, 9, 10, tzinfo=UTC)
            await f.passed(session, plain, at)
        assert (await jobs.sweep(ctx(res)))["uploads"] == []  # Friday's slot is 09:00
        res.clock.at = datetime(2026, 3, 13, 10, 30, tzinfo=UTC)  # type: ignore[attr-defined]
        (upload,) = (await jobs.sweep(ctx(res)))["uploads"]  # the worker was down at 09:00
        assert upload["rows"] == 1
        assert (await jobs.sweep(ctx(res)))["uploads"] == []


async def test_fallback_emails_reach_the_outbox_and_overdue_uploads_are_flagged(
    settings: Settings,
) -> None:
    async with worker_resources(settings, DUE) as res:
        async with transaction(res.sessions) as session:
            await f.passed(session, await f.course(session))
        assert (await jobs.sweep(ctx(res)))["fallbacks"] == 1
        assert await jobs.drain_outbox(ctx(res)) == {"sent": 1, "failed": 0}
        (eml,) = settings.outbox_dir.iterdir()
        assert f"{settings.base_url}/certificates/" in eml.read_text()  # the signed link
        assert await jobs.flag_overdue_uploads(ctx(res)) == 0
        res.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
        assert await jobs.flag_overdue_uploads(ctx(res)) == 1


async def test_the_reminder_job_reminds_once(settings: Settings) -> None:
    async with worker_resources(settings, DUE - timedelta(days=2)) as res:
        async with transaction(res.sessions) as session:
            await f.waiting(session, await f.registrant(session), await f.course(session))
        assert await jobs.remind(ctx(res)) == 1
        assert await jobs.remind(ctx(res)) == 0


async def test_the_worker_expires_invitations_every_minute(settings: Settings) -> None:
    async with worker_resources(settings, f.T0) as res:
        async with transaction(res.sessions) as session:
            course = await f.course(session)
            inviter = await f.waiting(session, await f.registrant(session), course)
            await f.invitation(session, inviter, Target(email="x@example.test"))
        assert (await jobs.sweep(ctx(res)))["invitations_expired"] == 0
        res.clock.at = f.T0 + LIFETIME  # type: ignore[attr-defined]
        assert (await jobs.sweep(ctx(res)))["invitations_expired"] == 1
        assert [cid for cid, _ in await Queues(res.redis).members(course.id)] == [inviter.id]
        assert (await jobs.sweep(ctx(res)))["invitations_expired"] == 0
