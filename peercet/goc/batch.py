"""The GOC upload batch file, as pure functions: its header, rows and name.

CSV, UTF-8:
`goc_number,name,course_ref,points,point_type,completed_on,competencies,provider,cet_year`;
`point_type` is `interactive` or `non_interactive`, `completed_on` is YYYY-MM-DD in scheme
time, competencies are joined by `;`, `cet_year` is the year the points count for. A cell
a spreadsheet would read as a formula (beginning `=`, `+`, `-`, `@`, tab or carriage
return) begins with `'` instead: the file is opened in spreadsheets, and a registrant's
name or a catalogue's competency is anyone's text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

HEADER = (
    "goc_number",
    "name",
    "course_ref",
    "points",
    "point_type",
    "completed_on",
    "competencies",
    "provider",
    "cet_year",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILE_PATTERN = re.compile(r"^goc-upload-(\d+)-\d{8}T\d{6}Z(-final)?\.csv$")


@dataclass(frozen=True)
class UploadRow:
    """What one uploaded completion needs, read from the database: `points` and
    `point_type` are its point record's (what was awarded, rule 9)."""

    goc_number: str
    name: str
    course_ref: str
    points: int
    point_type: str
    completed_at: datetime
    competencies: Sequence[Any]
    cet_year: int


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would take for a formula begins with `'`; any other (a GOC
    number such as 01-12345 included) is left as it is."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def csv_row(row: UploadRow, provider: str, tz: ZoneInfo) -> list[str]:
    cells = [
        row.goc_number,
        row.name,
        row.course_ref,
        str(row.points),
        row.point_type,
        row.completed_at.astimezone(tz).date().isoformat(),
        ";".join(str(c) for c in row.competencies),
        provider,
        str(row.cet_year),
    ]
    return [neutralise(cell) for cell in cells]


def render(rows: Iterable[UploadRow], provider: str, tz: ZoneInfo) -> str:
    """The whole file as text (the writer streams the same lines in chunks)."""
    return header_text() + lines_text(rows, provider, tz)


def header_text() -> str:
    return lines_of([list(HEADER)])


def lines_text(rows: Iterable[UploadRow], provider: str, tz: ZoneInfo) -> str:
    return lines_of(csv_row(row, provider, tz) for row in rows)


def lines_of(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def file_name(batch_id: int, created_at: datetime, final: bool) -> str:
    stamp = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"goc-upload-{batch_id:06d}-{stamp}{'-final' if final else ''}.csv"


def batch_id_of(name: str) -> int | None:
    match = FILE_PATTERN.match(name)
    return int(match.group(1)) if match else None
