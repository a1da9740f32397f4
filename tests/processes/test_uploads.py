"""Rule 9 against real databases: one batch file of everything completed and not yet
uploaded, each completion in exactly one batch, all or nothing."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.deadlines import apply_due
from peercet.completions.awards import complete_interactive
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Notification, OutgoingEmail, UploadBatch
from peercet.goc import certificates, uploads
from tests.support import factories as f
from tests.support.context import context
from tests.support.factories import bulk

FRIDAY = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)
JULY = datetime(2026, 7, 3, 8, 0, tzinfo=UTC)  # a Friday, 09:00 BST


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_nothing_to_upload_writes_no_file(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    result = await uploads.run_upload(sessions, settings, FRIDAY)
    assert (result.path, result.rows) == (None, 0)
    assert list(settings.upload_dir.iterdir()) == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(UploadBatch)) == 0


async def test_a_batch_has_a_row_per_completion_and_tells_each_registrant(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with transaction(sessions) as session:
        who = await f.registrant(session, name="Smith, Ann", goc_number="01-23456")
        course = await f.course(session, interactive=False, competencies=["A", "B"], points=2)
        done = await f.completion(session, who, course, datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
        interactive = await f.course(session, interactive=True)
        still_open = await f.completion(session, who, interactive)
    result = await uploads.run_upload(sessions, settings, JULY)
    assert result.rows == 1 and result.path is not None and not result.final
    assert result.path.parent == settings.upload_dir
    assert result.path.read_text(encoding="utf-8").splitlines()[0] == (
        "goc_number,name,course_ref,points,point_type,completed_on,competencies,provider,cet_year"
    )
    assert _read(result.path) == [
        {
            "goc_number": "01-23456",
            "name": "Smith, Ann",
            "course_ref": course.ref,
            "points": "2",
            "point_type": "non_interactive",
            "completed_on": "2026-07-01",  # scheme time (summer time)
            "competencies": "A;B",
            "provider": "Peercet CET",
            "cet_year": "2026",
        }
    ]
    async with sessions() as session:
        row = await session.get_one(Completion, done.id)
        assert row.uploaded_at == JULY and row.upload_batch_id == result.batch_id
        assert (await session.get_one(Completion, still_open.id)).upload_batch_id is None
        batch = await session.get_one(UploadBatch, result.batch_id)
        assert (batch.file_path, batch.rows) == (str(result.path), 1)
        note = await session.scalar(select(Notification).where(Notification.kind == "uploaded"))
        assert note is not None and note.completion_id == done.id
        assert "accept them there by midnight on 31 December 2026" in note.body
        assert "MyGOC" in note.body
        email = await session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.dedupe_key == f"uploaded:{done.id}")
        )
        assert email is not None and email.to_addr == who.email
    again = await uploads.run_upload(sessions, settings, JULY + timedelta(days=7))
    assert (again.path, again.rows) == (None, 0)  # each completion is uploaded once


async def test_the_final_batch_holds_only_that_years_completions(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    this_year = await bulk.completed(sessions, 3, datetime(2026, 12, 30, 11, 0, tzinfo=UTC))
    next_year = await bulk.completed(sessions, 2, datetime(2026, 12, 30, 12, 0, tzinfo=UTC))
    at = datetime(2026, 12, 30, 12, 1, tzinfo=UTC)
    final = await uploads.run_upload(sessions, settings, at, final_year=2026)
    assert final.final and final.rows == 3 and final.path is not None
    assert final.path.name.endswith("-final.csv")
    regular = await uploads.run_upload(sessions, settings, at)
    assert not regular.final and regular.rows == 2
    async with sessions() as session:
        rows = await session.execute(select(Completion.id, Completion.upload_batch_id))
        batches = {cid: batch for cid, batch in rows}
    assert {batches[c] for c in this_year} == {final.batch_id}
    assert {batches[c] for c in next_year} == {regular.batch_id}


async def _state(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with sessions() as session:
        uploaded = await session.scalar(
            select(func.count()).where(Completion.upload_batch_id.is_not(None))
        )
        batches = await session.scalar(select(func.count()).select_from(UploadBatch))
        notes = await session.scalar(select(func.count()).where(Notification.kind == "uploaded"))
        return uploaded or 0, batches or 0, notes or 0


async def test_a_batch_failing_after_its_file_is_written_is_redone_whole(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await bulk.completed(sessions, 5)
    real_replace = os.replace

    def replace_then_fail(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        raise OSError("disk gone")

    monkeypatch.setattr(uploads.os, "replace", replace_then_fail)
    with pytest.raises(OSError, match="disk gone"):
        await uploads.run_upload(sessions, settings, FRIDAY)
    assert list(settings.upload_dir.iterdir()) == []  # no file, no temporary file
    assert await _state(sessions) == (0, 0, 0)  # nothing claimed, no batch, no notice
    monkeypatch.setattr(uploads.os, "replace", real_replace)
    result = await uploads.run_upload(sessions, settings, FRIDAY)
    assert result.rows == len(ids) and result.path is not None
    assert len(_read(result.path)) == len(ids)
    assert await _state(sessions) == (len(ids), 1, len(ids))


async def test_a_job_cancelled_after_its_commit_keeps_the_batch_file(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arq cancels a job on timeout and on SIGTERM: if that lands after the commit (here in
    the session's close), the committed batch's completions must still be in its file."""
    ids = await bulk.completed(sessions, 3)
    real_close = AsyncSession.close

    async def close_then_cancelled(self: AsyncSession) -> None:
        await real_close(self)
        raise asyncio.CancelledError

    monkeypatch.setattr(AsyncSession, "close", close_then_cancelled)
    with pytest.raises(asyncio.CancelledError):
        await uploads.run_upload(sessions, settings, FRIDAY)
    monkeypatch.setattr(AsyncSession, "close", real_close)
    assert await _state(sessions) == (len(ids), 1, len(ids))  # committed
    [path] = settings.upload_dir.iterdir()
    assert len(_read(path)) == len(ids)
    again = await uploads.run_upload(sessions, settings, FRIDAY + timedelta(days=7))
    assert (again.path, again.rows) == (None, 0)  # uploaded once, and the file stays
    assert list(settings.upload_dir.iterdir()) == [path]


async def test_the_points_uploaded_are_those_awarded_not_the_course_now(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """Rules 6 and 9: a course re-imported with other points before the upload changes
    neither the points nor the kind of the completions already awarded."""
    async with transaction(sessions) as session:
        alone = await f.course(session, interactive=False, points=1)
        together = await f.course(session, interactive=True, points=2)
        done = await f.completion(session, await f.registrant(session), alone)
        first, second, _ = await f.pair(session, together)
        await complete_interactive(session, [first.id, second.id], f.T0)
        await f.reprice(session, alone.ref, 3)
        await f.reprice(session, together.ref, 5)
    result = await uploads.run_upload(sessions, settings, FRIDAY)
    assert result.path is not None
    uploaded = sorted((r["course_ref"], r["points"], r["point_type"]) for r in _read(result.path))
    assert uploaded == sorted(
        [(alone.ref, "1", "non_interactive")] + [(together.ref, "2", "interactive")] * 2
    )
    async with sessions() as session:
        note = await session.scalar(
            select(Notification).where(
                Notification.kind == "uploaded", Notification.completion_id == done.id
            )
        )
        assert note is not None and "(1 non-interactive point(s))" in note.body
        completion = await session.get_one(Completion, first.id)
        issued = await certificates.issue(session, completion, f.T0)
        cert = await certificates.facts(session, issued, context().settings)
        assert (cert.points, cert.kind) == (2, "interactive")


async def test_a_file_left_by_a_killed_run_is_removed_before_the_batch_is_redone(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await bulk.completed(sessions, 2)
    settings.upload_dir.mkdir(parents=True)
    orphan = settings.upload_dir / "goc-upload-000001-20260313T085959Z.csv"
    orphan.write_text("goc_number,...\n")  # renamed into place, then killed before commit
    (settings.upload_dir / ".goc-upload-000001-20260313T085959Z.csv.tmp").write_text("")
    keep = settings.upload_dir / "README.txt"
    keep.write_text("not ours")
    result = await uploads.run_upload(sessions, settings, FRIDAY)
    assert result.path is not None and result.rows == 2
    assert sorted(p.name for p in settings.upload_dir.iterdir()) == sorted(
        [result.path.name, keep.name]
    )


async def test_two_concurrent_runs_never_upload_a_completion_twice(
    database_url: str, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    first = await bulk.completed(sessions, 150)
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        runners = [session_factory(e) for e in engines]
        rounds = []
        for n in range(3):
            if n:
                first += await bulk.completed(sessions, 40)
            rounds += await asyncio.gather(
                *(uploads.run_upload(r, settings, FRIDAY + timedelta(hours=n)) for r in runners)
            )
    finally:
        for engine in engines:
            await engine.dispose()
    files = [r.path for r in rounds if r.path is not None]
    lines = [tuple(row.values()) for path in files for row in _read(path)]
    assert len(lines) == len(set(lines)) == len(first)  # every one, once
    assert sum(r.rows for r in rounds) == len(first)
    assert await _state(sessions) == (len(first), len(files), len(first))


async def test_a_long_batch_tells_its_progress_chunk_by_chunk(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bulk.completed(sessions, 5)
    monkeypatch.setattr(uploads, "CHUNK", 2)
    told: list[tuple[int, int]] = []
    result = await uploads.run_upload(
        sessions, settings, FRIDAY, progress=lambda done, of: told.append((done, of))
    )
    assert result.rows == 5 and told == [(2, 5), (4, 5), (5, 5)]


async def test_the_cli_prints_the_file_and_row_count_and_two_at_once_upload_once(
    database_url: str, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await bulk.completed(sessions, 3)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(settings.upload_dir),
        "PROVIDER_NAME": "Optics Academy",
    }

    told: list[str] = []

    async def run() -> dict[str, object]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "peercet.cli.main", "upload", "run", "--now", "2026-03-13T09:00",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, err
        told.extend(err.decode().splitlines())
        last: dict[str, object] = json.loads(out.decode().strip().splitlines()[-1])
        return last

    one, other = await asyncio.gather(run(), run())  # two processes at once
    first, second = sorted([one, other], key=lambda r: -int(r["rows"]))  # type: ignore[call-overload]
    assert second == {"file": None, "rows": 0}
    assert first["rows"] == 3 and isinstance(first["file"], str)
    assert "rows written: 3 of 3" in told  # progress on stderr, the JSON alone on stdout
    rows = _read(Path(first["file"]))
    assert {r["provider"] for r in rows} == {"Optics Academy"}
    async with sessions() as session:
        at = await session.scalar(select(Completion.uploaded_at).limit(1))
    assert at == datetime(2026, 3, 13, 9, 0, tzinfo=UTC)  # --now, scheme time (GMT)
    assert await run() == {"file": None, "rows": 0}


async def test_the_final_upload_waits_until_nothing_of_the_year_is_open(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    december = datetime(2026, 12, 20, 10, tzinfo=UTC)
    await bulk.completed(sessions, 1, december)
    async with transaction(sessions) as session:
        course = await f.course(session)
        people = await bulk.registrants(session, 1, december)
        await bulk.completions(session, people, course.id, december, f.LONDON)
    async with sessions() as session:
        assert not await uploads.final_due(session, 2026)  # one is still seeking a peer
    await apply_due(sessions, datetime(2026, 12, 30, 12, tzinfo=UTC), context())
    async with sessions() as session:
        assert await uploads.final_due(session, 2026)
        assert not await uploads.final_due(session, 2025)
