"""A registrant's record of completed CET in one cycle, for their portfolio or an
appraisal: the rows (`record_rows`, one query other code can reuse) and the CSV.

Each row says what was awarded (the point record: points and kind), whether the point
was a fallback by deadline, when it was completed and uploaded (scheme time), its CET
year and the course's competencies. Cells are neutralised as in the GOC upload file
(peercet.goc.batch.neutralise): a spreadsheet opens this too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions.lifecycle import COMPLETED_STATES
from peercet.core.tables import Completion, Course, PointRecord
from peercet.goc.batch import lines_of, neutralise

HEADER = (
    "completed_on",
    "cet_year",
    "course_ref",
    "course_title",
    "points",
    "kind",
    "fallback",
    "competencies",
    "uploaded_on",
)


@dataclass(frozen=True)
class RecordRow:
    completion_id: int
    course_ref: str
    course_title: str
    points: int
    kind: str  # "interactive" or "non_interactive", as awarded
    fallback: bool  # a non-interactive point made by the deadline, not chosen
    completed_at: datetime
    cet_year: int
    competencies: Sequence[str]
    uploaded_at: datetime | None

    def completed_on(self, tz: ZoneInfo) -> date:
        return self.completed_at.astimezone(tz).date()

    def uploaded_on(self, tz: ZoneInfo) -> date | None:
        return None if self.uploaded_at is None else self.uploaded_at.astimezone(tz).date()


async def record_rows(session: AsyncSession, registrant_id: int, cycle: str) -> list[RecordRow]:
    """Every completed CET of the registrant in `cycle` ("2025-2027"), oldest first."""
    found = await session.execute(
        select(Completion, Course, PointRecord)
        .join(Course, Course.id == Completion.course_id)
        .join(PointRecord, PointRecord.completion_id == Completion.id)
        .where(
            Completion.registrant_id == registrant_id,
            Completion.cycle == cycle,
            Completion.state.in_([s.value for s in COMPLETED_STATES]),
        )
        .order_by(Completion.completed_at, Completion.id)
    )
    return [_row(completion, course, award) for completion, course, award in found]


def _row(completion: Completion, course: Course, award: PointRecord) -> RecordRow:
    assert completion.completed_at is not None  # a completed state has its time
    return RecordRow(
        completion_id=completion.id,
        course_ref=course.ref,
        course_title=course.title,
        points=award.points,
        kind=award.kind,
        fallback=completion.fallback,
        completed_at=completion.completed_at,
        cet_year=completion.cet_year,
        competencies=[str(c) for c in course.competencies],
        uploaded_at=completion.uploaded_at,
    )


def csv_cells(row: RecordRow, tz: ZoneInfo) -> list[str]:
    uploaded = row.uploaded_on(tz)
    cells = [
        row.completed_on(tz).isoformat(),
        str(row.cet_year),
        row.course_ref,
        row.course_title,
        str(row.points),
        row.kind,
        "true" if row.fallback else "false",
        ";".join(row.competencies),
        "" if uploaded is None else uploaded.isoformat(),
    ]
    return [neutralise(cell) for cell in cells]


def render_csv(rows: Iterable[RecordRow], tz: ZoneInfo) -> str:
    return lines_of([list(HEADER), *(csv_cells(row, tz) for row in rows)])


def filename(cycle: str, extension: str) -> str:
    return f"cet-record-{cycle}.{extension}"
