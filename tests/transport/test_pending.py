"""Pending points (rule 9, December): the reminder's rules as tables, the worker's duty
against real databases (each reminder once, driven by `now`), and the account pages'
banner."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Notification, OutgoingEmail, Registrant
from peercet.cycles import pending
from peercet.cycles.pending import Reminder
from peercet.goc.uploads import run_upload
from tests.support import factories as f
from tests.support.web_helpers import answers, app_client, make_course, register, run_db
from tests.support.worker_helpers import ctx, worker_resources
from workers import jobs

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("now", "tz", "year_uploaded", "due"),
    [
        (london(2026, 11, 30, 23, 59, 59), LONDON, False, None),
        (london(2026, 12, 1, 0, 0), LONDON, False, Reminder.EARLY),
        (london(2026, 12, 15, 9, 0), LONDON, True, Reminder.EARLY),  # all uploaded, before cut-off
        (london(2026, 12, 30, 11, 59), LONDON, True, Reminder.EARLY),
        (london(2026, 12, 30, 12, 1), LONDON, False, Reminder.EARLY),  # the final upload to come
        (london(2026, 12, 30, 12, 1), LONDON, True, Reminder.FINAL),
        (london(2026, 12, 31, 23, 59, 59), LONDON, True, Reminder.FINAL),
        (london(2027, 1, 1, 0, 0), LONDON, True, None),  # midnight on 31 December has passed
        (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), TOKYO, False, Reminder.EARLY),  # 1 Dec JST
        (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), LONDON, False, None),
    ],
)
def test_the_reminder_due_follows_december_and_the_final_upload(
    now: datetime, tz: ZoneInfo, year_uploaded: bool, due: Reminder | None
) -> None:
    assert pending.due_reminder(now, tz, year_uploaded) is due


def test_the_wording_says_by_midnight_on_31_december() -> None:
    early = pending.reminder_notice(7, 2026, 3, Reminder.EARLY)
    final = pending.reminder_notice(7, 2026, 3, Reminder.FINAL)
    assert "by midnight on 31 December 2026" in early.body and "before" not in early.body
    assert "3 CET point(s) of 2026" in early.body and "final upload" in final.body
    assert (early.dedupe_key, final.dedupe_key) == ("pending:7:2026:early", "pending:7:2026:final")
    assert pending.accept_by(2026, LONDON) == london(2027, 1, 1)


async def _done(session: AsyncSession, at: datetime) -> Registrant:
    """A registrant with a non-interactive course completed at `at` (in CET year 2026)."""
    who = await f.registrant(session)
    await f.completion(session, who, await f.course(session, interactive=False, points=2), at)
    return who


async def _sent(settings: Settings) -> dict[str, list[str]]:
    async with worker_resources(settings, f.T0) as res, res.sessions() as session:
        notes = await session.scalars(
            select(Notification).where(Notification.kind == "pending_points")
        )
        emails = set(await session.scalars(select(OutgoingEmail.dedupe_key)))
        out: dict[str, list[str]] = {}
        for note in notes:
            assert note.dedupe_key in emails  # each with its email
            out.setdefault(str(note.registrant_id), []).append(str(note.dedupe_key)[-5:])
        return out


async def test_each_registrant_with_points_uploaded_is_reminded_early_and_after_the_final(
    settings: Settings,
) -> None:
    async with worker_resources(settings, london(2026, 11, 30, 23, 0)) as res:
        async with transaction(res.sessions) as session:
            uploaded = await _done(session, london(2026, 11, 2, 10))
            late = await _done(session, london(2026, 12, 29, 10))  # in the final upload
            await _done(session, london(2025, 11, 2, 10))  # last year's, uploaded then
        await run_upload(res.sessions, res.settings, london(2026, 11, 6, 9))
        assert await jobs.remind(ctx(res)) == 0  # November: nothing
        res.clock.at = london(2026, 12, 1, 8, 0)  # type: ignore[attr-defined]
        assert await jobs.remind(ctx(res)) == 1
        assert await jobs.remind(ctx(res)) == 0  # once
        res.clock.at = london(2026, 12, 30, 12, 0, 30)  # type: ignore[attr-defined]
        assert await jobs.remind(ctx(res)) == 0  # the final upload has not run yet
        assert (await jobs.sweep(ctx(res)))["uploads"][0]["final"] is True
        assert await jobs.remind(ctx(res)) == 2
        assert await jobs.remind(ctx(res)) == 0
        res.clock.at = london(2027, 1, 1, 0, 0)  # type: ignore[attr-defined]
        assert await jobs.remind(ctx(res)) == 0
    assert await _sent(settings) == {
        str(uploaded.id): ["early", "final"],
        str(late.id): ["final"],
    }


async def test_the_email_says_the_points_and_links_the_account(settings: Settings) -> None:
    async with worker_resources(settings, london(2026, 12, 4, 8)) as res:
        async with transaction(res.sessions) as session:
            who = await _done(session, london(2026, 11, 2, 10))
        await run_upload(res.sessions, res.settings, london(2026, 11, 6, 9))
        assert await jobs.remind(ctx(res)) == 1
        async with res.sessions() as session:
            email = await session.scalar(
                select(OutgoingEmail).where(
                    OutgoingEmail.dedupe_key == f"pending:{who.id}:2026:early"
                )
            )
    assert email is not None and email.to_addr == who.email
    assert "2 CET point(s) of 2026" in email.text_body
    assert "by midnight on 31 December 2026" in email.text_body
    assert f"{settings.base_url}/account" in email.text_body


def test_the_account_pages_show_the_banner_through_december(settings: Settings) -> None:
    ref = make_course(settings, False, points=2)
    clock = FixedClock(london(2026, 12, 20, 10))
    with app_client(settings, clock) as client:
        register(client)
        passed = client.post(f"/api/courses/{ref}/attempts", json={"answers": answers(client, ref)})
        cid = passed.json()["completion"]["id"]
        assert "pending-points" not in client.get("/account").text  # not uploaded yet

        async def upload(session: AsyncSession) -> None:
            when = london(2026, 12, 20, 11)
            await session.execute(update(Completion).values(uploaded_at=when))

        run_db(settings.database_url, upload)
        clock.at = london(2026, 12, 31, 23, 59, 59)
        for page in ("/account", f"/account/completions/{cid}"):
            text = client.get(page).text
            assert 'class="pending-points"' in text, page
            assert "2 CET point(s) of 2026 uploaded to the GOC" in text
            assert "by midnight on 31 December 2026" in text
        clock.at = london(2027, 1, 1, 0, 0)
        assert "pending-points" not in client.get("/account").text
