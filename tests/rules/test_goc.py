"""The GOC batch file format (API.md): header, one row per completion, scheme-time dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peercet.goc import batch as goc
from tests.support.factories import LONDON


def _row(**kw: object) -> goc.UploadRow:
    values: dict[str, object] = {
        "goc_number": "01-12345",
        "name": "Ann Smith",
        "course_ref": "C-12345",
        "points": 1,
        "point_type": "interactive",
        "completed_at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        "competencies": ["Communication", "Clinical practice"],
        "cet_year": 2026,
    }
    values.update(kw)
    return goc.UploadRow(**values)  # type: ignore[arg-type]


def test_the_file_has_the_exact_header_and_one_row_per_completion() -> None:
    text = goc.render([_row(), _row(point_type="non_interactive", points=2)], "Peercet CET", LONDON)
    assert text.splitlines() == [
        "goc_number,name,course_ref,points,point_type,completed_on,competencies,provider,cet_year",
        "01-12345,Ann Smith,C-12345,1,interactive,2026-03-02,Communication;Clinical practice,"
        "Peercet CET,2026",
        "01-12345,Ann Smith,C-12345,2,non_interactive,2026-03-02,Communication;Clinical practice,"
        "Peercet CET,2026",
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
        '01-12345,"Smith, Ann ""Annie""",C-12345,1,interactive,2026-03-02,,P,2026'
    )


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example","Ann")', '\'=HYPERLINK("http://evil.example","Ann")'),
        ("+44 20 7580 3898", "'+44 20 7580 3898"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tAnn", "'\tAnn"),
        ("\rAnn", "'\rAnn"),
        ("01-12345", "01-12345"),  # a GOC number begins with a digit: left as it is
        ("Ann = Smith", "Ann = Smith"),  # only the first character counts
        ("O'Neil", "O'Neil"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_begins_with_a_quote(cell: str, written: str) -> None:
    assert goc.neutralise(cell) == written


def test_every_cell_of_a_row_is_neutralised_and_the_goc_number_kept() -> None:
    row = _row(
        name="=HYPERLINK(1)", course_ref="@C", competencies=["-x", "y"], goc_number="01-12345"
    )
    cells = goc.csv_row(row, "+Provider", LONDON)
    assert cells == [
        "01-12345", "'=HYPERLINK(1)", "'@C", "1", "interactive", "2026-03-02", "'-x;y",
        "'+Provider", "2026",
    ]  # fmt: skip


def test_the_row_says_its_cet_year() -> None:
    """A pass at the cut-off is completed on 30 December and counts for the next year."""
    row = _row(completed_at=datetime(2026, 12, 30, 12, 0, tzinfo=UTC), cet_year=2027)
    cells = goc.csv_row(row, "P", LONDON)
    assert (cells[5], cells[-1]) == ("2026-12-30", "2027")
