"""The certificate as a PDF page worth keeping: A4 landscape, framed, the name large in
its own script, the facts API.md lists, and a QR code of the verification link. A long
name, title or list of competencies shrinks the body until it clears the footer, so a
certificate is always one page."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from peercet.core import pdf
from peercet.goc.certificates import Certificate

WIDTH, HEIGHT = 297.0, 210.0
MARGIN = 12.0
QR_SIZE = 32.0
FOOTER_TOP = HEIGHT - MARGIN - 10 - QR_SIZE
SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


def _frame(doc: FPDF) -> None:
    doc.set_draw_color(*pdf.ACCENT)
    doc.set_line_width(1.2)
    doc.rect(MARGIN, MARGIN, WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN)
    doc.set_line_width(0.3)
    doc.rect(MARGIN + 3, MARGIN + 3, WIDTH - 2 * MARGIN - 6, HEIGHT - 2 * MARGIN - 6)


def _line(doc: Any, text: str, size: float, style: str = "", gap: float = 2.0) -> None:
    """A centred line (wrapping when long), in the colour set before."""
    doc.set_font("Sans", style, size)
    doc.set_x(MARGIN + 10)
    doc.multi_cell(WIDTH - 2 * MARGIN - 20, size * 0.5, text, align="C")
    doc.ln(gap)


def _body(doc: Any, cert: Certificate, scale: float) -> None:
    """Everything above the footer, its type sizes times `scale`."""
    completed = f"{cert.completed_on:%d %B %Y}".lstrip("0")
    when = f"Completed on {completed} · CET year {cert.cet_year} · cycle {cert.cycle}"
    lines = [  # colour, text, size, style, gap after
        (pdf.ACCENT, cert.provider.upper(), 11, "B", 1),
        (pdf.INK, "Certificate of CET completion", 28, "B", 8),
        (pdf.MUTED, "This certifies that", 12, "", 2),
        (pdf.INK, cert.name, 28, "B", 2),
        (pdf.MUTED, f"GOC number {cert.goc_number} · {cert.profession}", 12, "", 7),
        (pdf.MUTED, "has completed the CET course", 12, "", 2),
        (pdf.INK, f"{cert.course_ref}  {cert.course_title}", 17, "B", 2),
        (pdf.MUTED, "Competencies: " + "; ".join(cert.competencies), 11, "", 6),
        (pdf.ACCENT, cert.points_text, 15, "B", 1),
        (pdf.INK, when, 12, "", 0),
    ]  # fmt: skip
    doc.set_y(MARGIN + 14 * scale)
    for colour, text, size, style, gap in lines:
        doc.set_text_color(*colour)
        _line(doc, text, size * scale, style, gap * scale)


def body_bottom(doc: FPDF, cert: Certificate, scale: float) -> float:
    """Where the body would end at `scale` (drawn on a trial page, then rewound)."""
    with doc.offset_rendering() as trial:
        _body(trial, cert, scale)
        bottom: float = trial.y
    return bottom


def fitting_scale(doc: FPDF, cert: Certificate) -> float:
    """The largest scale at which the body ends above the footer."""
    for scale in SCALES:
        if body_bottom(doc, cert, scale) <= FOOTER_TOP - 8:
            return scale
    return SCALES[-1]


def _footer(doc: FPDF, cert: Certificate) -> None:
    """Provider and issue on the left; the QR code and the link on the right."""
    top, left = FOOTER_TOP, MARGIN + 12
    issued = f"{cert.issued_on:%d %B %Y}".lstrip("0")
    rows = [
        ("B", 11, f"{cert.provider}"),
        ("", 10, f"GOC-approved CET provider, approval number {cert.provider_goc_id}"),
        ("", 10, f"Issued on {issued}"),
        ("", 10, f"Certificate {cert.printed_code}"),
        ("", 9, f"Check it at {cert.verify_url}"),
    ]
    doc.set_draw_color(*pdf.ACCENT)
    doc.set_line_width(0.3)
    doc.line(left, top - 5, WIDTH - MARGIN - 12, top - 5)
    doc.set_text_color(*pdf.INK)
    doc.set_y(top + 2)
    for style, size, text in rows:
        doc.set_font("Sans", style, size)
        doc.set_x(left)
        doc.cell(180, 6.5, text, new_x="LMARGIN", new_y="NEXT")
    doc.link(left, top + 2 + 4 * 6.5, 180, 6.5, cert.verify_url)
    qr_x = WIDTH - MARGIN - 12 - QR_SIZE
    doc.image(pdf.qr_png(cert.verify_url), x=qr_x, y=top, w=QR_SIZE, h=QR_SIZE)
    doc.link(qr_x, top, QR_SIZE, QR_SIZE, cert.verify_url)
    doc.set_font("Sans", "", 8)
    doc.set_text_color(*pdf.MUTED)
    doc.set_xy(qr_x - 8, top + QR_SIZE)
    doc.cell(QR_SIZE + 16, 4, "Scan to check it is genuine", align="C")


def render_pdf(cert: Certificate) -> bytes:
    text = " ".join([cert.name, cert.course_title, *cert.competencies])
    doc = pdf.document(text, orientation="landscape")
    doc.set_auto_page_break(False)
    doc.set_title(f"CET certificate {cert.course_ref} - {cert.goc_number}")
    doc.set_subject(f"{cert.course_ref} {cert.course_title}")
    doc.set_author(cert.provider)
    doc.set_creator(cert.provider)
    doc.add_page()
    _frame(doc)
    _body(doc, cert, fitting_scale(doc, cert))
    _footer(doc, cert)
    return pdf.to_bytes(doc)
