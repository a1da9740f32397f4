"""CET certificates: what one says and its PDF (the signed links are in peercet.links)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions import award_of
from peercet.errors import Conflict
from peercet.lifecycle import COMPLETED_STATES, State
from peercet.tables import Completion, Course, Registrant

PROVIDER = "Peercet CET"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"Cert": "DejaVuSans.ttf", "Cert-Bold": "DejaVuSans-Bold.ttf"}


# --- what a certificate says ---------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    completion_id: int
    name: str
    goc_number: str
    course_ref: str
    course_title: str
    competencies: list[str]
    points: int
    kind: str  # "interactive" or "non-interactive"
    fallback: bool
    completed_on: date
    cet_year: int
    provider: str = PROVIDER


async def load(session: AsyncSession, completion: Completion, tz: ZoneInfo) -> Certificate:
    """The certificate of a completed CET; 409 while the completion is still open."""
    state = State(completion.state)
    if state not in COMPLETED_STATES or completion.completed_at is None:
        raise Conflict("the certificate is ready once the CET is completed", "not_completed")
    registrant = await session.get_one(Registrant, completion.registrant_id)
    course = await session.get_one(Course, completion.course_id)
    award = await award_of(session, completion.id)
    assert award is not None  # rule 6: a completed CET has its point record
    return Certificate(
        completion_id=completion.id,
        name=registrant.name,
        goc_number=registrant.goc_number,
        course_ref=course.ref,
        course_title=course.title,
        competencies=list(course.competencies),
        points=award.points,  # as awarded (rule 9), whatever the course is worth today
        kind=award.kind.replace("_", "-"),
        fallback=completion.fallback,
        completed_on=completion.completed_at.astimezone(tz).date(),
        cet_year=completion.cet_year,
    )


def filename(cert: Certificate) -> str:
    return f"certificate-{cert.course_ref}-{cert.completion_id}.pdf"


# --- the PDF -------------------------------------------------------------------------


def _register_fonts() -> tuple[str, str]:
    """DejaVu for names in any script; Helvetica only if the font is missing."""
    try:
        for name, file in FONTS.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    except OSError:
        return "Helvetica", "Helvetica-Bold"
    return "Cert", "Cert-Bold"


def _points_line(cert: Certificate) -> str:
    plural = "point" if cert.points == 1 else "points"
    how = " (completed by the deadline)" if cert.fallback else ""
    return f"{cert.points} {cert.kind} CET {plural}{how}"


def render_pdf(cert: Certificate, verify_url: str) -> bytes:
    regular, bold = _register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"CET certificate {cert.course_ref} - {cert.goc_number}")
    pdf.setSubject(f"{cert.course_ref} {cert.course_title}")
    pdf.setAuthor(cert.provider)
    pdf.setFont(bold, 28)
    pdf.drawCentredString(width / 2, height - 90, "Certificate of CET completion")
    lines = [
        (bold, 22, cert.name),
        (regular, 14, f"GOC number {cert.goc_number}"),
        (regular, 14, "has completed"),
        (bold, 16, f"{cert.course_ref}  {cert.course_title}"),
        (regular, 13, "Competencies: " + "; ".join(cert.competencies)),
        (regular, 14, _points_line(cert)),
        (regular, 14, f"Completed on {cert.completed_on:%d %B %Y}, CET year {cert.cet_year}"),
        (regular, 14, f"Provider: {cert.provider}"),
    ]
    y = height - 160
    for font, size, text in lines:
        pdf.setFont(font, size)
        for part in simpleSplit(text, font, size, width - 120):  # long titles wrap
            pdf.drawCentredString(width / 2, y, part)
            y -= size + 6
        y -= 12
    pdf.setFont(regular, 9)
    pdf.drawCentredString(width / 2, 60, "Check this certificate is genuine at:")
    pdf.drawCentredString(width / 2, 46, verify_url)
    pdf.linkURL(verify_url, (60, 40, width - 60, 70), relative=0)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
