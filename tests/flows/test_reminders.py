"""Deadline reminders: 3 days and 1 day before, to those seeking a peer or in a discussion,
each once, as a notification and an email."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.deadlines import due_reminder, send_reminders
from peercet.completions.lifecycle import State, deadline
from peercet.core.context import Links
from peercet.core.db import transaction
from peercet.core.tables import Notification, OutgoingEmail
from tests.support import factories as f
from tests.support.factories import bulk

DUE = datetime(2026, 3, 16, 9, 0, tzinfo=f.T0.tzinfo)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("left", "window"),
    [
        (timedelta(days=5), None),
        (3 * DAY + timedelta(seconds=1), None),
        (3 * DAY, 3 * DAY),
        (2 * DAY, 3 * DAY),
        (DAY, DAY),
        (timedelta(minutes=5), DAY),
        (timedelta(0), None),
        (-DAY, None),
    ],
)
def test_the_narrowest_window_reached(left: timedelta, window: timedelta | None) -> None:
    assert due_reminder(DUE, DUE - left) == window


async def _setup(sessions: async_sessionmaker[AsyncSession]) -> dict[State, int]:
    async with transaction(sessions) as session:
        course = await f.course(session)
        people = await bulk.registrants(session, 4, f.T0)
        ids = {}
        for rid, state in zip(
            people,
            [State.SEEKING_PEER, State.IN_DISCUSSION, State.AWAITING_CHOICE,
             State.COMPLETED_NON_INTERACTIVE],
            strict=True,
        ):  # fmt: skip
            (ids[state],) = await bulk.completions(session, [rid], course.id, f.T0, f.LONDON, state)
        return ids


async def _remind(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with transaction(sessions) as session:
        return await send_reminders(session, now, f.LONDON, Links("http://peercet.test"))


async def test_waiting_registrants_are_reminded_3_days_and_1_day_before_once_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _setup(sessions)
    due = deadline(f.T0, f.LONDON)
    assert await _remind(sessions, due - 3 * DAY - timedelta(seconds=1)) == 0
    assert await _remind(sessions, due - 3 * DAY) == 2  # seeking a peer, in a discussion
    assert await _remind(sessions, due - 2 * DAY) == 0  # once per reminder
    assert await _remind(sessions, due - DAY + timedelta(minutes=1)) == 2
    assert await _remind(sessions, due - timedelta(minutes=1)) == 0
    assert await _remind(sessions, due) == 0
    async with sessions() as session:
        notes = list(await session.scalars(select(Notification).order_by(Notification.id)))
        emails = list(await session.scalars(select(OutgoingEmail)))
    assert [(n.completion_id, n.dedupe_key) for n in notes] == [
        (ids[State.SEEKING_PEER], f"reminder:{ids[State.SEEKING_PEER]}:3d"),
        (ids[State.IN_DISCUSSION], f"reminder:{ids[State.IN_DISCUSSION]}:3d"),
        (ids[State.SEEKING_PEER], f"reminder:{ids[State.SEEKING_PEER]}:1d"),
        (ids[State.IN_DISCUSSION], f"reminder:{ids[State.IN_DISCUSSION]}:1d"),
    ]
    assert len(emails) == 4
    assert "find a discussion partner" in notes[0].body
    assert "finish your discussion" in notes[1].body
    assert "http://peercet.test/account/completions/" in emails[0].text_body


async def test_a_registrant_first_seen_inside_a_day_gets_only_the_1_day_reminder(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _setup(sessions)
    due = deadline(f.T0, f.LONDON)
    assert await _remind(sessions, due - timedelta(hours=20)) == 2
    assert await _remind(sessions, due - timedelta(hours=19)) == 0
    async with sessions() as session:
        keys = set(await session.scalars(select(Notification.dedupe_key)))
    assert all(key is not None and key.endswith(":1d") for key in keys)
