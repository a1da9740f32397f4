"""The GOC batch file format (API.md): header, one row per completion, scheme-time dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peercet import goc
from tests.factories import LONDON


def _row(**kw: object) -> goc.UploadRow:
    values: dict[str, object] = {
        "goc_number": "01-12345",
        "name": "Ann Smith",
        "course_ref": "C-12345",
        "points": 1,
        "point_type": "interactive",
        "completed_at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        "competencies": ["Communication", "Clinical practice"],
    }
    values.update(kw)
    return goc.UploadRow(**values)  # type: ignore[arg-type]


def test_the_file_has_the_exact_header_and_one_row_per_completion() -> None:
    text = goc.render([_row(), _row(point_type="non_interactive", points=2)], "Peercet CET", LONDON)
    assert text.splitlines() == [
        "goc_number,name,course_ref,points,point_type,completed_on,competencies,provider",
        "01-12345,Ann Smith,C-12345,1,interactive,2026-03-02,Communication;Clinical practice,"
        "Peercet CET",
        "01-12345,Ann Smith,C-12345,2,non_interactive,2026-03-02,Communication;Clinical practice,"
        "Peercet CET",
    ]


@pytest.mark.parametrize(
    ("completed_at", "completed_on"),
    [
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "2026-07-01"),  # summer time: next day
        (datetime(2026, 12, 30, 23, 30, tzinfo=UTC), "2026-12-30"),  # winter: GMT
        (datetime(2026, 3, 28, 23, 59, tzinfo=UTC), "2026-03-28"),  # the night the clocks change
        (datetime(2026, 3, 29, 23, 0, tzinfo=UTC), "2026-03-30"),
    ],
)
def test_completed_on_is_the_scheme_date(completed_at: datetime, completed_on: str) -> None:
    assert goc.csv_row(_row(completed_at=completed_at), "P", LONDON)[5] == completed_on


def test_fields_with_commas_and_quotes_are_quoted() -> None:
    line = goc.render([_row(name='Smith, Ann "Annie"', competencies=[])], "P", LONDON)
    assert line.splitlines()[1] == (
        '01-12345,"Smith, Ann ""Annie""",C-12345,1,interactive,2026-03-02,,P'
    )


def test_file_names_carry_the_batch_and_are_recognised() -> None:
    at = datetime(2026, 12, 30, 12, 0, 5, tzinfo=UTC)
    name = goc.file_name(42, at, final=True)
    assert name == "goc-upload-000042-20261230T120005Z-final.csv"
    assert goc.batch_id_of(name) == 42
    assert goc.batch_id_of(goc.file_name(7, at, final=False)) == 7
    assert goc.batch_id_of("notes.txt") is None
