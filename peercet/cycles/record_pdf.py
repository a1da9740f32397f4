"""The record as a PDF: the same rows as the CSV, with the registrant and provider named
at the top and the cycle's totals at the foot (same fonts as the certificate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from peercet.core import pdf
from peercet.cycles.record import RecordRow

COLUMNS = ("Completed", "CET year", "Course", "Points", "Kind", "Competencies", "Uploaded")
WIDTHS = (20, 14, 58, 12, 28, 38, 20)


@dataclass(frozen=True)
class RecordOwner:
    """Who the record is of and who issues it."""

    name: str
    goc_number: str
    profession: str
    cycle: str
    provider: str
    provider_goc_id: str
    generated_on: date


def _day(value: date | None) -> str:
    return "not yet" if value is None else f"{value:%d %b %Y}".lstrip("0")


def kind_text(row: RecordRow) -> str:
    kind = row.kind.replace("_", "-")
    return f"{kind} (by the deadline)" if row.fallback else kind


def cells(row: RecordRow, tz: ZoneInfo) -> list[str]:
    return [
        _day(row.completed_on(tz)),
        str(row.cet_year),
        f"{row.course_ref} {row.course_title}",
        str(row.points),
        kind_text(row),
        "; ".join(row.competencies),
        _day(row.uploaded_on(tz)),
    ]


def _heading(doc: FPDF, owner: RecordOwner) -> None:
    doc.set_font("Sans", "B", 20)
    doc.cell(0, 10, f"CET record, cycle {owner.cycle}", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Sans", "B", 14)
    doc.cell(0, 8, owner.name, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Sans", "", 10)
    doc.set_text_color(*pdf.MUTED)
    lines = [
        f"GOC number {owner.goc_number} · {owner.profession}",
        f"Provider: {owner.provider} (GOC approval number {owner.provider_goc_id})",
        f"Generated on {_day(owner.generated_on)}",
    ]
    for line in lines:
        doc.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(*pdf.INK)
    doc.ln(4)


def _table(doc: FPDF, rows: list[RecordRow], tz: ZoneInfo) -> None:
    doc.set_font("Sans", "", 8.5)
    heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=pdf.ACCENT)
    style = {"headings_style": heading, "line_height": 4.5, "text_align": "LEFT"}
    with doc.table(col_widths=WIDTHS, **style) as table:
        table.row(COLUMNS)
        for row in rows:
            table.row(cells(row, tz))


def _totals(doc: FPDF, rows: list[RecordRow]) -> None:
    total = sum(r.points for r in rows)
    interactive = sum(r.points for r in rows if r.kind == "interactive")
    doc.ln(4)
    doc.set_font("Sans", "B", 10)
    text = f"{len(rows)} CET completed: {total} points, {interactive} of them interactive."
    if not rows:
        text = "No CET completed in this cycle yet."
    doc.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def render_pdf(owner: RecordOwner, rows: list[RecordRow], tz: ZoneInfo) -> bytes:
    text = " ".join([owner.name, *(r.course_title for r in rows)])
    doc = pdf.document(text)
    doc.set_title(f"CET record {owner.cycle} - {owner.goc_number}")
    doc.set_author(owner.provider)
    doc.add_page()
    _heading(doc, owner)
    _table(doc, rows, tz)
    _totals(doc, rows)
    return pdf.to_bytes(doc)
