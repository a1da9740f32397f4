"""The certificate as a PDF page worth keeping: A4 landscape, framed, the name large in
its own script, the facts API.md lists, and a QR code of the verification link."""

from __future__ import annotations

from fpdf import FPDF

from peercet import pdf
from peercet.certificates import Certificate

WIDTH, HEIGHT = 297.0, 210.0
MARGIN = 12.0
QR_SIZE = 34.0


def _frame(doc: FPDF) -> None:
    doc.set_draw_color(*pdf.ACCENT)
    doc.set_line_width(1.2)
    doc.rect(MARGIN, MARGIN, WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN)
    doc.set_line_width(0.3)
    doc.rect(MARGIN + 3, MARGIN + 3, WIDTH - 2 * MARGIN - 6, HEIGHT - 2 * MARGIN - 6)


def _line(doc: FPDF, text: str, size: float, style: str = "", gap: float = 2.0) -> None:
    """A centred line (wrapping when long), in the body's colour unless set before."""
    doc.set_font("Sans", style, size)
    doc.set_x(MARGIN + 10)
    doc.multi_cell(WIDTH - 2 * MARGIN - 20, size * 0.5, text, align="C")
    doc.ln(gap)


def _heading(doc: FPDF, cert: Certificate) -> None:
    doc.set_y(MARGIN + 12)
    doc.set_text_color(*pdf.ACCENT)
    _line(doc, cert.provider.upper(), 11, "B", 1)
    doc.set_text_color(*pdf.INK)
    _line(doc, "Certificate of CET completion", 26, "B", 6)
    doc.set_text_color(*pdf.MUTED)
    _line(doc, "This certifies that", 12, "", 1)
    doc.set_text_color(*pdf.INK)
    _line(doc, cert.name, 24, "B", 1)
    doc.set_text_color(*pdf.MUTED)
    _line(doc, f"GOC number {cert.goc_number} · {cert.profession}", 12, "", 4)


def _course(doc: FPDF, cert: Certificate) -> None:
    _line(doc, "has completed the CET course", 12, "", 1)
    doc.set_text_color(*pdf.INK)
    _line(doc, f"{cert.course_ref}  {cert.course_title}", 16, "B", 1)
    doc.set_text_color(*pdf.MUTED)
    _line(doc, "Competencies: " + "; ".join(cert.competencies), 11, "", 3)
    doc.set_text_color(*pdf.ACCENT)
    _line(doc, cert.points_text, 15, "B", 1)
    doc.set_text_color(*pdf.INK)
    completed = f"{cert.completed_on:%d %B %Y}".lstrip("0")
    _line(doc, f"Completed on {completed} · CET year {cert.cet_year} · cycle {cert.cycle}", 12)


def _footer(doc: FPDF, cert: Certificate) -> None:
    """Provider and issue on the left; the QR code and the link on the right."""
    top = HEIGHT - MARGIN - 10 - QR_SIZE
    left = MARGIN + 12
    issued = f"{cert.issued_on:%d %B %Y}".lstrip("0")
    rows = [
        ("B", 11, f"{cert.provider}"),
        ("", 10, f"GOC-approved CET provider, approval number {cert.provider_goc_id}"),
        ("", 10, f"Issued on {issued}"),
        ("", 10, f"Certificate {cert.printed_code}"),
        ("", 9, f"Check it at {cert.verify_url}"),
    ]
    doc.set_text_color(*pdf.INK)
    doc.set_y(top + 2)
    for style, size, text in rows:
        doc.set_font("Sans", style, size)
        doc.set_x(left)
        doc.cell(180, 6.5, text, new_x="LMARGIN", new_y="NEXT")
    qr_x = WIDTH - MARGIN - 12 - QR_SIZE
    doc.image(pdf.qr_png(cert.verify_url), x=qr_x, y=top, w=QR_SIZE, h=QR_SIZE)
    doc.link(qr_x, top, QR_SIZE, QR_SIZE, cert.verify_url)
    doc.link(left, top + 2 + 4 * 6.5, 180, 6.5, cert.verify_url)


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
    _heading(doc, cert)
    _course(doc, cert)
    _footer(doc, cert)
    return pdf.to_bytes(doc)
