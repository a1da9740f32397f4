"""The certificate PDF, read back: a name in any script is there as text, in fonts that
are embedded; every fact API.md lists is printed; the QR code on the rendered page
decodes to the verification link. Pure (no database): the endpoints are in
test_certificates.py."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from peercet.core import pdf
from peercet.goc import certificate_pdf, verification
from peercet.goc.certificate_pdf import render_pdf
from peercet.goc.certificates import Certificate
from tests.support.pdfs import fonts_of, link_uris, poppler_text, qr_codes, squeezed, text_of

CODE = "7KQ2M9XD4HPAZ3WE"
SAMPLE = Certificate(
    completion_id=42,
    code=CODE,
    name="Ann Example",
    goc_number="01-12345",
    profession="Dispensing optician",
    course_ref="C-10421",
    course_title="Glaucoma in community practice",
    competencies=["Ocular disease", "Communication"],
    points=2,
    kind="interactive",
    fallback=False,
    completed_on=date(2026, 3, 2),
    cet_year=2026,
    cycle="2025-2027",
    provider="Acme Optical CET",
    provider_goc_id="P-12345",
    issued_on=date(2026, 3, 9),
    verify_url=f"https://cet.example.test/verify/{verification.display(CODE)}",
)

# (script, name, the font that must carry it)
NAMES = [
    ("Latin with diacritics", "Siân Łukasz-Ó Súilleabháin Dvořák", "NotoSans-Bold"),
    ("Greek", "Γιώργος Παπαδόπουλος", "NotoSans-Bold"),
    ("Cyrillic", "Дмитрий Иванович Соколов", "NotoSans-Bold"),
    ("Arabic", "محمد عبد الله الأحمد", "NotoSansArabic-Bold"),
    ("Chinese", "王小明", "NotoSansCJKsc-Bold"),
    ("Japanese", "山田 はなこ", "NotoSansCJKjp-Bold"),
    ("Korean", "김민준", "NotoSansCJKkr-Bold"),
]


def _base(font: str) -> str:
    return font.replace("-", "").lower()


@pytest.mark.parametrize(("script", "name", "font"), NAMES, ids=[n[0] for n in NAMES])
def test_a_name_in_any_script_is_printed_in_an_embedded_font(
    script: str, name: str, font: str
) -> None:
    document = render_pdf(replace(SAMPLE, name=name))
    text = squeezed(text_of(document))
    for word in name.split():  # pypdf lays Arabic words out right to left
        assert squeezed(word) in text, (script, word, text)
    # poppler too finds a line of exactly the name's characters (it reorders the lam-alef
    # ligature, so compared as a multiset)
    lines = poppler_text(document).splitlines()
    assert sorted(squeezed(name)) in [sorted(squeezed(line)) for line in lines], lines
    fonts = fonts_of(document)
    assert all(fonts.values()), fonts  # every font embedded (a subset), none referenced
    assert _base(font) in {_base(f) for f in fonts}, fonts


def test_a_mixed_name_falls_back_per_character() -> None:
    name = "Anna 王 محمد Ωμέγα Øre"
    document = render_pdf(replace(SAMPLE, name=name))
    text = squeezed(text_of(document))
    assert all(squeezed(word) in text for word in name.split()), text
    bases = {_base(f) for f in fonts_of(document)}
    assert {"notosansbold", "notosansarabicbold", "notosanscjkscbold"} <= bases


def test_the_certificate_prints_every_fact_of_the_contract() -> None:
    text = " ".join(text_of(render_pdf(SAMPLE)).split())
    for fact in (
        "Ann Example",
        "GOC number 01-12345 · Dispensing optician",
        "C-10421 Glaucoma in community practice",
        "Ocular disease; Communication",
        "2 interactive CET points",
        "Completed on 2 March 2026 · CET year 2026 · cycle 2025-2027",
        "Acme Optical CET",
        "approval number P-12345",
        "Issued on 9 March 2026",
        "Certificate 7KQ2-M9XD-4HPA-Z3WE",
        SAMPLE.verify_url,
    ):
        assert fact in text, (fact, text)


def test_a_fallback_says_so() -> None:
    fallback = replace(SAMPLE, kind="non-interactive", fallback=True, points=1)
    text = " ".join(text_of(render_pdf(fallback)).split())
    assert "1 non-interactive CET point (completed by the deadline)" in text


def test_the_qr_code_decodes_to_the_verification_link(tmp_path: Path) -> None:
    document = render_pdf(SAMPLE)
    assert qr_codes(document, tmp_path) == [SAMPLE.verify_url]
    assert link_uris(document) == {SAMPLE.verify_url}  # the printed link is clickable too


def test_a_long_name_title_and_competencies_shrink_to_clear_the_footer() -> None:
    """The longest title the catalogue takes (200 characters) and many competencies: the
    body's type shrinks until it ends above the footer, and the certificate is one page."""
    long = replace(
        SAMPLE,
        name="Maximilian Alexander Fitzgerald-Montgomery Ó Súilleabháin",
        course_title=("Glaucoma in community practice referral " * 6)[:200],
        competencies=["Ocular disease and its management", "Communication with patients"] * 5,
    )
    doc = pdf.document(long.name, orientation="landscape")
    doc.set_auto_page_break(False)
    doc.add_page()
    assert certificate_pdf.fitting_scale(doc, SAMPLE) == 1.0
    assert certificate_pdf.body_bottom(doc, long, 1.0) > certificate_pdf.FOOTER_TOP  # would
    scale = certificate_pdf.fitting_scale(doc, long)
    assert certificate_pdf.body_bottom(doc, long, scale) < certificate_pdf.FOOTER_TOP - 8
    pdf.close_fonts(doc)
    assert len(PdfReader(io.BytesIO(render_pdf(long))).pages) == 1


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("王小明", pdf.CJK_CHINESE),
        ("山田花子", pdf.CJK_CHINESE),  # Han alone cannot tell: Chinese forms
        ("山田 はなこ", pdf.CJK_JAPANESE),
        ("カタカナ", pdf.CJK_JAPANESE),
        ("김민준", pdf.CJK_KOREAN),
        ("Ann Example", pdf.CJK_CHINESE),  # no CJK at all: any region
    ],
)
def test_the_cjk_region_follows_the_text(text: str, region: int) -> None:
    assert pdf.cjk_region(text) == region


def test_verification_codes_are_random_typable_and_read_back_as_typed() -> None:
    codes = {verification.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert len(code) == verification.LENGTH and set(code) <= set(verification.ALPHABET)
    printed = verification.display(code)
    assert printed.count("-") == 3
    for typed in (code, printed, printed.lower(), printed.replace("-", " ")):
        assert verification.normalise(typed) == code
    for bad in ("", "x", code[:-1], code + "A", "0" * 16, "I" * 16, "A" * 10_000, "é" * 16):
        assert verification.normalise(bad) is None
