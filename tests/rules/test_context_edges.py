"""Issue 14.3: whatever has no request still gets the settings, because nothing reads
them off a session; and scheme time is TIMEZONE, never a zone written into the code."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ("peercet", "discussion", "matching", "workers", "web", "scripts")
SETTINGS = ROOT / "peercet" / "core" / "settings.py"  # the one default: TIMEZONE's


def _sources() -> list[Path]:
    return sorted(p for top in SOURCE for p in (ROOT / top).rglob("*.py"))


def _lines_with(text: str, *, besides: Path | None = None) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _sources()
        if path != besides
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if text in line
    ]


def test_the_scan_sees_the_source() -> None:
    assert SETTINGS in _sources() and len(_sources()) > 50


@pytest.mark.parametrize("text", ["session.info", "of_session(", "session_tz("])
def test_no_settings_ride_on_a_session(text: str) -> None:
    assert _lines_with(text) == []


def test_no_time_zone_is_written_into_the_code() -> None:
    assert _lines_with('ZoneInfo("', besides=SETTINGS) == []
    assert _lines_with("ZoneInfo('", besides=SETTINGS) == []
