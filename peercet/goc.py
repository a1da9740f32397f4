"""The GOC upload batch file, as pure functions: its header, rows and name.

CSV, UTF-8: `goc_number,name,course_ref,points,point_type,completed_on,competencies,provider`;
`point_type` is `interactive` or `non_interactive`, `completed_on` is YYYY-MM-DD in scheme
time, competencies are joined by `;`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
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
)
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


def csv_row(row: UploadRow, provider: str, tz: ZoneInfo) -> list[str]:
    return [
        row.goc_number,
        row.name,
        row.course_ref,
        str(row.points),
        row.point_type,
        row.completed_at.astimezone(tz).date().isoformat(),
        ";".join(str(c) for c in row.competencies),
        provider,
    ]


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
    stamp = created_at.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    return f"goc-upload-{batch_id:06d}-{stamp}{'-final' if final else ''}.csv"


def batch_id_of(name: str) -> int | None:
    match = FILE_PATTERN.match(name)
    return int(match.group(1)) if match else None
