"""One deadline for the pair (DOMAIN rule 4, API.md `closes_at`): the earlier of the two
participants' deadlines, stated by the API, the frames, the pages, every notice and
email about the pair, and the moderators' views."""

from __future__ import annotations

from datetime import timedelta

import httpx2
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion import moderation
from discussion.deadlines import send_reminders
from discussion.opening import closing_time
from discussion.reads import discussion_view
from matching.waiting import waiting_view
from peercet.completions.guidance import when
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Notification, OutgoingEmail
from peercet.notify.notices import scheme_time
from tests.support import factories as f
from tests.support.context import links
from tests.support.live import HTTP_TIMEOUT, client, cookie, serve

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)
EARLY = f.T0 + 14 * DAY  # the first pass's deadline; the second passed 4 days later


async def _pair(sessions: Sessions) -> tuple[Completion, Completion, int]:
    """Two paired on T0 + 4 days: one passed on T0, the other on T0 + 4 days."""
    async with transaction(sessions) as session:
        return await f.pair(session, await f.course(session), f.T0, f.T0 + 4 * DAY)


async def test_closes_at_is_the_earlier_deadline_in_every_view(sessions: Sessions) -> None:
    first, second, room = await _pair(sessions)
    assert first.deadline == EARLY < second.deadline
    async with sessions() as session:
        assert (await discussion_view(session, room))["closes_at"] == EARLY.isoformat()
        [listed] = await moderation.discussions_under_watch(session, None, False)
        assert listed["closes_at"] == EARLY.isoformat()
        detail = await moderation.discussion_detail(session, room)
        assert detail["closes_at"] == EARLY.isoformat()
        later = await session.get_one(Completion, second.id)
        waiting = await waiting_view(session, later, f.T0 + 4 * DAY)
        assert waiting["closes_at"] == EARLY.isoformat()
        risky = await moderation.at_risk(session, EARLY - DAY)
        assert [(c["id"], c["closes_at"]) for c in risky] == [(first.id, EARLY.isoformat())]


async def test_the_paired_notice_and_email_state_the_pair_s_one_deadline(
    sessions: Sessions,
) -> None:
    await _pair(sessions)
    stated = scheme_time(EARLY, f.LONDON)
    async with sessions() as session:
        notes = list(await session.scalars(select(Notification.body).where(
            Notification.kind == "paired")))  # fmt: skip
        emails = list(await session.scalars(select(OutgoingEmail.text_body)))
    assert len(notes) == len(emails) == 2
    assert all(stated in body for body in notes + emails)
    later = scheme_time(EARLY + 4 * DAY, f.LONDON)
    assert not any(later in body for body in notes + emails)


async def test_both_are_reminded_before_the_discussion_closes(sessions: Sessions) -> None:
    """The partner whose own deadline is 4 days later is reminded 3 days and 1 day before
    the discussion closes, with that date."""
    first, second, _ = await _pair(sessions)
    for now, expected in ((EARLY - 3 * DAY - timedelta(minutes=1), 0), (EARLY - 3 * DAY, 2),
                          (EARLY - DAY, 2), (EARLY - DAY / 2, 0)):  # fmt: skip
        async with transaction(sessions) as session:
            assert await send_reminders(session, now, f.LONDON, links()) == expected
    async with sessions() as session:
        rows = list(await session.execute(select(Notification.completion_id, Notification.body)
                                          .where(Notification.kind == "reminder")))  # fmt: skip
    assert sorted(cid for cid, _ in rows) == sorted([first.id, first.id, second.id, second.id])
    assert all(scheme_time(EARLY, f.LONDON) in body for _, body in rows)


async def test_when_a_disputer_leaves_the_discussion_closes_at_the_other_s_deadline(
    sessions: Sessions,
) -> None:
    """Derived, not stored: a dispute sends the disputer back to the queue, and the one
    still in the discussion has until their own deadline."""
    first, second, room = await _pair(sessions)
    async with transaction(sessions) as session:
        await session.execute(update(Completion).where(Completion.id == first.id).values(
            state=State.SEEKING_PEER.value, discussion_id=None))  # fmt: skip
    async with sessions() as session:
        assert await closing_time(session, room) == second.deadline
    async with transaction(sessions) as session:  # then the other's falls back too: over
        await session.execute(update(Completion).where(Completion.id == second.id).values(
            state=State.COMPLETED_NON_INTERACTIVE.value))  # fmt: skip
    async with sessions() as session:
        assert await closing_time(session, room) == EARLY  # as it was stated at pairing


async def test_pages_and_the_joined_frame_show_closes_at(
    settings: Settings, sessions: Sessions
) -> None:
    _, second, room = await _pair(sessions)
    shown = when(EARLY, f.LONDON)
    with serve(settings) as base:
        headers = {"Cookie": cookie(settings, second.registrant_id)}
        async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=HTTP_TIMEOUT) as api:
            page = (await api.get(f"/discussions/{room}")).text
            assert shown in page and f'data-deadline="{EARLY.isoformat()}"' in page
            waiting = (await api.get(f"/completions/{second.id}/waiting")).text
            assert shown in waiting and f'data-deadline="{EARLY.isoformat()}"' in waiting
            completion = (await api.get(f"/account/completions/{second.id}")).text
            assert shown in completion
            frame = (await api.get(f"/api/completions/{second.id}")).json()
            assert frame["closes_at"] == EARLY.isoformat() and shown in frame["next_step"]
        async with client(base, settings, second.registrant_id) as ws:
            assert (await ws.join(room))["closes_at"] == EARLY.isoformat()
