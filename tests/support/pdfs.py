"""Reading PDFs back in tests: text (pypdf), embedded fonts, page images (pdftoppm) and
the QR codes on them (zxing-cpp)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from pypdf import PdfReader

BIDI_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u200e\u200f"))


def text_of(pdf: bytes) -> str:
    """The text as pypdf reads it. pypdf decodes code 0 of the CID encoding fpdf2 writes
    for CFF (CJK) fonts as a NUL before each character: those are dropped."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\x00", "")


def poppler_text(pdf: bytes) -> str:
    """The text as poppler's pdftotext reads it: in logical order (Arabic too, once its
    embedding marks are dropped)."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode().translate(BIDI_MARKS)


def squeezed(text: str) -> str:
    """Without whitespace: pypdf spaces CJK characters apart, and lays Arabic words out
    right to left."""
    return re.sub(r"\s+", "", text)


def _descriptor(font: Any) -> Any:
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    return font.get("/FontDescriptor")


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Every font the pages use, by base name without the subset tag: embedded or not."""
    found: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
            descriptor = _descriptor(font)
            files = ("/FontFile", "/FontFile2", "/FontFile3")
            embedded = descriptor is not None and any(f in descriptor.get_object() for f in files)
            found[name] = embedded
    return found


def link_uris(pdf: bytes) -> set[str]:
    uris = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.add(str(action["/URI"]))
    return uris


def page_png(pdf: bytes, out: Path, dpi: int = 110) -> Path:
    """The first page rendered by poppler's pdftoppm, as a PNG at `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        stem = Path(tmp) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
             str(source), str(stem)],
            check=True,
        )  # fmt: skip
        out.write_bytes(stem.with_suffix(".png").read_bytes())
    return out


def qr_codes(pdf: bytes, tmp: Path) -> list[str]:
    """The text of every QR code on the rendered first page."""
    image = Image.open(page_png(pdf, tmp / "page.png", dpi=150))
    return [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.QRCode]
