"""A moderator watching a room over /ws: read only, and shown to the participants."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.settings import Settings
from tests.support.factories import paired, someone
from tests.support.live import Client, client, serve


async def presence_with(c: Client, moderators: list[int]) -> dict[str, Any]:
    """The first presence frame naming exactly these moderators (the own join's comes first)."""
    while True:
        frame = await c.recv()
        if frame["type"] == "presence" and frame["moderators"] == moderators:
            return frame


async def test_participants_see_a_moderator_arrive_and_leave(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    moderator = await someone(sessions, role="moderator")
    with serve(settings) as base:
        async with client(base, settings, p.a) as a:
            joined = await a.join(p.discussion)
            assert (joined["online"], joined["moderators"]) == ([p.a], [])
            async with client(base, settings, moderator) as m:
                watching = await m.join(p.discussion)
                assert watching["online"] == [p.a] and watching["moderators"] == [moderator]
                assert (await presence_with(a, [moderator]))["online"] == [p.a]
                await m.send(type="leave", discussion=p.discussion)
                assert (await presence_with(a, []))["online"] == [p.a]
