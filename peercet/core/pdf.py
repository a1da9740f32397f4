"""PDF documents (fpdf2) that print a name in any script, for certificates and records.

fpdf2 embeds a subset of each font used and falls back per character: Noto Sans for
Latin, Greek and Cyrillic, Noto Sans Arabic (shaped right to left by HarfBuzz through
uharfbuzz), Noto Sans CJK for Chinese, Japanese and Korean. Debian's fonts-noto-core and
fonts-noto-cjk ship them (scripts/setup installs both). The CJK file is a collection of
one font per region, each with every CJK glyph: the region is chosen from the text so
that a Japanese name gets Japanese forms and a Korean one Korean.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
FONTS: dict[tuple[str, str], Path] = {
    ("Sans", ""): NOTO / "NotoSans-Regular.ttf",
    ("Sans", "B"): NOTO / "NotoSans-Bold.ttf",
    ("Arabic", ""): NOTO / "NotoSansArabic-Regular.ttf",
    ("Arabic", "B"): NOTO / "NotoSansArabic-Bold.ttf",
    ("CJK", ""): NOTO_CJK / "NotoSansCJK-Regular.ttc",
    ("CJK", "B"): NOTO_CJK / "NotoSansCJK-Bold.ttc",
}
FALLBACKS = ["Arabic", "CJK"]
# fonts in the Noto Sans CJK collections, by region (fontTools: 0 JP, 1 KR, 2 SC)
CJK_JAPANESE, CJK_KOREAN, CJK_CHINESE = 0, 1, 2
INK = (22, 43, 72)
ACCENT = (23, 105, 120)
MUTED = (85, 95, 110)


class MissingFont(RuntimeError):
    """A font file is not installed: the message names the Debian package."""


def _is_kana(c: str) -> bool:
    return "\u3040" <= c <= "\u30ff" or "\u31f0" <= c <= "\u31ff"


def _is_hangul(c: str) -> bool:
    return "\uac00" <= c <= "\ud7af" or "\u1100" <= c <= "\u11ff" or "\u3130" <= c <= "\u318f"


def cjk_region(text: str) -> int:
    """Which font of the CJK collection suits `text`: Japanese when it has kana, Korean
    when it has hangul, otherwise (Han characters alone) Chinese."""
    if any(_is_kana(c) for c in text):
        return CJK_JAPANESE
    if any(_is_hangul(c) for c in text):
        return CJK_KOREAN
    return CJK_CHINESE


def document(text: str, orientation: str = "portrait") -> FPDF:
    """A new A4 document with every font registered and shaping on; `text` is what it
    will print (names, titles), to choose the CJK region."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    for (family, style), path in FONTS.items():
        if not path.is_file():
            package = "fonts-noto-cjk" if family == "CJK" else "fonts-noto-core"
            raise MissingFont(f"{path} is missing: install Debian's {package}")
        index = cjk_region(text) if family == "CJK" else 0
        pdf.add_font(family, style, path, collection_font_number=index)
    pdf.set_fallback_fonts(FALLBACKS, exact_match=False)
    pdf.set_text_shaping(True)
    pdf.set_font("Sans", "", 11)
    pdf.set_text_color(*INK)
    return pdf


def qr_png(url: str) -> io.BytesIO:
    """The QR code of `url` as a PNG (medium error correction: survives a crease)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=4)
    out.seek(0)
    return out


def to_bytes(pdf: FPDF) -> bytes:
    """The finished file; every font file is closed (fpdf2 closes only those it used)."""
    try:
        return bytes(pdf.output())
    finally:
        close_fonts(pdf)


def close_fonts(pdf: FPDF) -> None:
    for font in pdf.fonts.values():
        close = getattr(font, "close", None)
        if close is not None:
            close()
