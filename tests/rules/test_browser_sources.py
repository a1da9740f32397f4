"""The browser's side, read as source: every page extends base.html (partials, `_*.html`,
are included, not rendered on their own), pages load only ES modules from /static (no inline
script: the CSP forbids it), and the scripts set no globals and share one WebSocket client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
BASE = WEB / "templates" / "base.html"
PAGES = sorted(p for p in BASE.parent.glob("*.html") if not p.name.startswith("_") and p != BASE)
SCRIPTS = sorted((WEB / "static").glob("*.js"))
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL)
# `window.x = ...`, `window["x"] = ...`, `globalThis.x = ...` (not `==`, `===`)
GLOBAL = re.compile(r"\b(?:window|globalThis|self)\s*(?:\.\s*[\w$]+|\[[^\]]*\])\s*=(?!=)")


def test_the_sources_are_there() -> None:
    assert len(PAGES) > 10 and len(SCRIPTS) > 3


@pytest.mark.parametrize("template", PAGES, ids=lambda p: p.name)
def test_every_page_extends_base(template: Path) -> None:
    first = template.read_text(encoding="utf-8").lstrip().splitlines()[0]
    assert first == '{% extends "base.html" %}', template.name


@pytest.mark.parametrize("template", [*PAGES, BASE], ids=lambda p: p.name)
def test_pages_load_only_modules_from_static(template: Path) -> None:
    for attributes, body in SCRIPT_TAG.findall(template.read_text(encoding="utf-8")):
        assert 'type="module"' in attributes, (template.name, attributes)
        assert "url_for('static'" in attributes, (template.name, attributes)
        assert body.strip() == "", (template.name, "an inline script")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_sets_a_global(script: Path) -> None:
    assert GLOBAL.findall(script.read_text(encoding="utf-8")) == []


def test_one_websocket_client() -> None:
    opened = {p.name: p.read_text(encoding="utf-8").count("new WebSocket") for p in SCRIPTS}
    assert {name: n for name, n in opened.items() if n} == {"ws.js": 1}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("window.peercetPost = async function () {};", 1),
        ('window["peercetTimeLeft"] = left;', 1),
        ("globalThis.x=1", 1),
        ("if (window.WebSocket === undefined) {}", 0),
        ('window.addEventListener("pagehide", leave);', 0),
        ("const left = window.innerWidth;", 0),
    ],
)
def test_what_counts_as_setting_a_global(source: str, found: int) -> None:
    assert len(GLOBAL.findall(source)) == found
