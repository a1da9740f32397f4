"""An email names pages by absolute URL: a path alone is no link in a mail client."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.settings import Settings
from peercet.core.tables import OutgoingEmail
from peercet.notify.notices import Addressed, Notice, notify, notify_many
from tests.support import factories as f
from tests.support.context import links


async def _bodies(session: AsyncSession) -> list[str]:
    return [e.text_body + e.html_body for e in await session.scalars(select(OutgoingEmail))]


async def test_paths_get_the_base_url_in_emails(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessions() as session:
        who = await f.registrant(session)
        room = Notice("paired", "Paired", "You have a partner.", link="/discussions/7")
        await notify(session, who, room, f.T0, links(settings))
        many = Notice("fallback", "Done", "Complete.", link="/account/completions/3")
        await notify_many(session, [Addressed(who, many)], f.T0, links(settings))
        bodies = await _bodies(session)
    assert len(bodies) == 2
    assert f"{settings.base_url}/discussions/7" in bodies[0]
    assert f'href="{settings.base_url}/account/completions/3"' in bodies[1]


async def test_the_default_base_url_and_full_urls_are_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        who = await f.registrant(session)
        await notify(session, who, Notice("x", "X", "Body.", link="/discussions/7"), f.T0, links())
        full = Notice("y", "Y", "Body.", link="https://elsewhere.example/a")
        await notify(session, who, full, f.T0, links(Settings(base_url="https://peercet.example")))
        bodies = await _bodies(session)
    assert "\n\nhttp://127.0.0.1:8000/discussions/7\n" in bodies[0]  # BASE_URL's default
    assert "https://elsewhere.example/a" in bodies[1] and "peercet.example" not in bodies[1]
