"""GOC uploads (rule 9): claim, write the batch file, notify, commit, as one unit.

Each completion lands in exactly one batch: the claim is a conditional UPDATE
(`upload_batch_id IS NULL`), and upload runs are serialised (SQLite's BEGIN IMMEDIATE,
a transaction-scoped advisory lock on PostgreSQL). The file is written under a temporary
name and renamed into place before the commit; if anything fails before the commit the
transaction rolls back and the file is removed, so a batch is redone whole or not at all.
Once the commit has begun the file stays whatever happens (a job cancelled during or after
its commit must not lose a committed batch's file): a file left by a process killed, or a
commit that failed, names a batch that was never committed, and the next run removes it
before it claims anything.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.completions.actions import OPEN
from peercet.core.context import Links
from peercet.core.db import transaction
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, PointRecord, Registrant, UploadBatch
from peercet.goc import batch as goc
from peercet.goc import workdays
from peercet.notify.notices import Addressed, Notice, notify_many

log = logging.getLogger(__name__)

CHUNK = 1000
UPLOAD_LOCK = 0x70656572  # PostgreSQL advisory lock key for upload runs


@dataclass(frozen=True)
class UploadResult:
    path: Path | None
    rows: int
    batch_id: int | None = None
    final: bool = False


@dataclass
class _Staged:
    """Files written by a run not yet committed: removed if it fails before its commit.
    From the commit on, only the database knows whether they are a batch's: they stay,
    and the next run's orphan clean-up removes them if the batch never committed."""

    paths: list[Path] = field(default_factory=list)
    committing: bool = False

    def discard(self) -> None:
        if self.committing:
            return
        for path in self.paths:
            path.unlink(missing_ok=True)


class _NothingToUpload(Exception):
    pass


def uploadable(final_year: int | None = None, by: datetime | None = None) -> Any:
    """Completed (by `by`) and not yet uploaded; of `final_year` or before for the year's
    final batch."""
    condition = and_(Completion.completed_at.is_not(None), Completion.upload_batch_id.is_(None))
    if by is not None:
        condition = and_(condition, Completion.completed_at <= by)
    if final_year is not None:
        condition = and_(condition, Completion.cet_year <= final_year)
    return condition


async def run_upload(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    now: datetime,
    final_year: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> UploadResult:
    """Write one batch of everything uploadable at `now`; no file when there is nothing.
    `progress` is told (rows written, rows in the batch) after each chunk."""
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    staged = _Staged()
    try:
        async with transaction(sessions) as session:
            result = await _upload(session, settings, now, final_year, staged, progress)
            staged.committing = True  # all that is left is the commit and the close
    except _NothingToUpload:
        return UploadResult(None, 0)
    except BaseException:
        staged.discard()
        raise
    log.info("GOC upload batch %s: %d rows in %s", result.batch_id, result.rows, result.path)
    return result


async def _upload(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    final_year: int | None,
    staged: _Staged,
    progress: Callable[[int, int], None] | None,
) -> UploadResult:
    await _serialise(session)
    await _remove_orphans(session, settings.upload_dir)
    batch = UploadBatch(created_at=now, final=final_year is not None, rows=0)
    session.add(batch)
    await session.flush()
    claimed = await _claim(session, batch.id, now, final_year)
    if not claimed:
        raise _NothingToUpload
    path = settings.upload_dir / goc.file_name(batch.id, now, batch.final)
    temporary = path.with_name(f".{path.name}.tmp")
    staged.paths += [temporary, path]
    with temporary.open("w", encoding="utf-8", newline="") as out:
        out.write(goc.header_text())
        for start in range(0, len(claimed), CHUNK):
            rows = await _rows(session, claimed[start : start + CHUNK])
            out.write(
                goc.lines_text([r for r, _ in rows], settings.provider_name, settings.timezone)
            )
            told = [_uploaded(r, n, settings, now) for r, n in rows]
            await notify_many(session, told, now, Links(settings.base_url))
            if progress is not None:
                progress(start + len(rows), len(claimed))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    batch.file_path = str(path)
    batch.rows = len(claimed)
    await session.flush()
    return UploadResult(path, len(claimed), batch.id, batch.final)


async def _serialise(session: AsyncSession) -> None:
    """One upload run at a time, holding the lock before touching any file (the orphan
    clean-up must never see another run's file in the making)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPLOAD_LOCK})
    else:  # the first statement opens the transaction: BEGIN IMMEDIATE takes the write lock
        await session.execute(text("SELECT 1"))


async def _remove_orphans(session: AsyncSession, directory: Path) -> None:
    """Remove batch files whose batch was never committed (a run killed before its commit)."""
    found = {p.name: p for p in directory.iterdir() if goc.batch_id_of(p.name) is not None}
    for stale in directory.glob(".goc-upload-*.tmp"):
        stale.unlink(missing_ok=True)
    if not found:
        return
    ids = [goc.batch_id_of(name) for name in found]
    committed = {
        Path(p).name
        for p in await session.scalars(select(UploadBatch.file_path).where(UploadBatch.id.in_(ids)))
        if p is not None
    }
    for name, path in found.items():
        if name not in committed:
            log.warning("removing %s: its upload batch was never committed", path)
            path.unlink(missing_ok=True)


async def _claim(
    session: AsyncSession, batch_id: int, now: datetime, final_year: int | None
) -> list[int]:
    claimed = await session.execute(
        update(Completion)
        .where(uploadable(final_year, by=now))
        .values(upload_batch_id=batch_id, uploaded_at=now)
        .returning(Completion.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(row[0] for row in claimed)


@dataclass(frozen=True)
class _Who:
    id: int
    email: str
    name: str


@dataclass(frozen=True)
class _Note:
    who: _Who
    completion_id: int
    title: str
    cet_year: int


async def _rows(session: AsyncSession, ids: list[int]) -> list[tuple[goc.UploadRow, _Note]]:
    result = await session.execute(
        select(
            Completion.id,
            Completion.cet_year,
            Completion.completed_at,
            Registrant.id,
            Registrant.email,
            Registrant.name,
            Registrant.goc_number,
            Course.ref,
            Course.title,
            Course.competencies,
            PointRecord.points,
            PointRecord.kind,
        )
        .join(Registrant, Registrant.id == Completion.registrant_id)
        .join(Course, Course.id == Completion.course_id)
        .outerjoin(PointRecord, PointRecord.completion_id == Completion.id)
        .where(Completion.id.in_(ids))
        .order_by(Completion.id)
    )
    out = []
    for cid, year, done, rid, email, name, number, ref, title, comps, points, kind in result:
        # claimed rows are completed, each with its point record (rule 6): the points
        # awarded are uploaded, not what the course is worth today (rule 9)
        assert done is not None and points is not None, f"completion {cid} has no points"
        row = goc.UploadRow(number, name, ref, points, kind, done, comps, year)
        out.append((row, _Note(_Who(rid, email, name), cid, title, year)))
    return out


def _uploaded(row: goc.UploadRow, note: _Note, settings: Settings, now: datetime) -> Addressed:
    kind = row.point_type.replace("_", "-")
    local = now.astimezone(settings.timezone)
    day = local.strftime("%d %B %Y")
    notice = Notice(
        kind="uploaded",
        subject=f"Uploaded to the GOC: {row.course_ref}",
        body=(
            f"Your CET for {row.course_ref} {note.title} ({row.points} {kind} point(s)) was "
            f"uploaded to the GOC on {day}. The points are pending in your MyGOC account: "
            f"accept them there by midnight on 31 December {max(note.cet_year, local.year)}."
        ),
        link=f"/account/completions/{note.completion_id}",
        dedupe_key=f"uploaded:{note.completion_id}",
    )
    return Addressed(note.who, notice, note.completion_id)


async def any_uploadable(session: AsyncSession, completed_by: datetime) -> bool:
    """Whether a weekly run is due: something completed by the slot is not uploaded."""
    condition = uploadable(by=completed_by)
    return bool(await session.scalar(select(exists().where(condition))))


async def flag_overdue(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[int]:
    """Flag (for moderators) and log loudly every completion not uploaded within
    10 working days of its completion; each is flagged once."""
    candidates = await session.execute(
        select(Completion.id, Completion.completed_at).where(
            uploadable(),
            Completion.upload_flagged_at.is_(None),
            Completion.completed_at <= now - workdays.MIN_CALENDAR_DAYS,
        )
    )
    overdue = [cid for cid, done in candidates if done and workdays.upload_overdue(done, now, tz)]
    for start in range(0, len(overdue), CHUNK):
        await session.execute(
            update(Completion)
            .where(Completion.id.in_(overdue[start : start + CHUNK]))
            .values(upload_flagged_at=now)
            .execution_options(synchronize_session=False)
        )
    if overdue:
        log.error(
            "GOC UPLOAD OVERDUE: %d completion(s) not uploaded within %d working days: %s",
            len(overdue),
            workdays.UPLOAD_WORKING_DAYS,
            overdue[:50],
        )
    return overdue


async def final_due(session: AsyncSession, year: int) -> bool:
    """The final upload of `year` is due once the cut-off has passed (the caller knows)
    and nothing of that year is still open: right after the cut-off's fallbacks."""
    of_year = Completion.cet_year <= year
    still_open = await session.scalar(select(exists().where(Completion.state.in_(OPEN), of_year)))
    if still_open:
        return False
    return bool(await session.scalar(select(exists().where(uploadable(final_year=year)))))
