"""The `peercet` command: each ends with its JSON line; bad input says exactly what is wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.cli.main import parse_now
from peercet.core.tables import Course
from tests.support.services import run_peercet
from tests.support.web_helpers import run_db

pytestmark = pytest.mark.slow


def peercet(database_url: str, *args: str, ok: bool = True) -> tuple[dict[str, Any], str]:
    """The command with no Redis to reach: what it must do needs only the database."""
    return run_peercet(database_url, "redis://127.0.0.1:1/0", *args, ok=ok)


def test_now_without_an_offset_is_scheme_time() -> None:
    london = ZoneInfo("Europe/London")
    assert parse_now("2026-07-01T12:00", london) == datetime(2026, 7, 1, 11, tzinfo=UTC)
    assert parse_now("2026-12-01T12:00", london) == datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert parse_now("2026-07-01T12:00+00:00", london) == datetime(2026, 7, 1, 12, tzinfo=UTC)


def test_commands_are_idempotent_and_end_with_json(database_url: str, tmp_path: Path) -> None:
    assert peercet(database_url, "db", "upgrade")[0] == {"upgraded": True}
    first, _ = peercet(database_url, "demo")
    again, _ = peercet(database_url, "demo")
    assert first["courses"] >= 10 and first["accounts_created"] == 4
    assert again["courses"] == 0 and again["accounts_created"] == 0
    created, _ = peercet(
        database_url, "user", "create", "--email", "new@example.test", "--password",
        "a-long-pass-1", "--name", "New Person", "--goc-number", "01-55555", "--profession",
        "optometrist", "--moderator",
    )  # fmt: skip
    assert created["role"] == "moderator"
    assert peercet(database_url, "deadlines", "run", "--now", "2026-01-01T00:00")[0] == {
        "fallbacks": 0
    }


def test_courses_import_names_the_bad_course_and_field(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    unlisted = {
        "ref": "C-00002", "title": "T", "summary": "", "professions": ["dispensing_optician"],
        "competencies": ["Low vision", "Ocular disease"], "points": 1, "interactive": False,
        "questions": [{"text": "Q?", "options": ["a", "b"], "answer": 0}], "pass_mark": 1,
    }  # fmt: skip
    bad.write_text(json.dumps([{"ref": "C-00001", "title": "T", "points": "one"}, unlisted]))
    result, stderr = peercet(database_url, "courses", "import", str(bad), ok=False)
    assert result["error"]["code"] == "bad_catalogue"
    assert "course 1 (C-00001): 'points'" in stderr
    assert "course 2 (C-00002): competency 'Ocular disease' is not in the competency" in stderr
    missing, _ = peercet(database_url, "courses", "import", str(tmp_path / "nope.json"), ok=False)
    assert "cannot read" in missing["error"]["message"]


def test_courses_import_loads_and_updates_the_course_itself(
    database_url: str, tmp_path: Path
) -> None:
    course = {
        "ref": "C-00003", "title": "T", "summary": "", "professions": ["optometrist"],
        "competencies": ["Ocular disease"], "points": 1, "interactive": False,
        "questions": [{"text": "Q?", "options": ["a", "b"], "answer": 0}], "pass_mark": 1,
    }  # fmt: skip
    file = tmp_path / "courses.json"

    def load(content: Any, ok: bool = True) -> tuple[dict[str, Any], str]:
        file.write_text(json.dumps([course | {"content": content}]))
        return peercet(database_url, "courses", "import", str(file), ok=ok)

    async def stored(session: AsyncSession) -> str | None:
        return await session.scalar(select(Course.content).where(Course.ref == "C-00003"))

    assert load("## IOP\n\nRefer at 24 mmHg.")[0] == {"courses": 1}
    assert load("## IOP\n\nRefer at 24 mmHg.")[0] == {"courses": 0}
    assert load("## IOP\n\nRepeat first.")[0] == {"courses": 1}
    assert run_db(database_url, stored) == "## IOP\n\nRepeat first."
    refused, stderr = load({"markdown": "# IOP"}, ok=False)
    assert refused["error"]["code"] == "bad_catalogue"
    assert "course 1 (C-00003): 'content' must be a string" in stderr
    assert run_db(database_url, stored) == "## IOP\n\nRepeat first."


def test_user_create_refuses_bad_fields(database_url: str) -> None:
    result, _ = peercet(
        database_url, "user", "create", "--email", "not-an-email", "--password", "short",
        "--name", "X", "--goc-number", "12345", "--profession", "optician", ok=False,
    )  # fmt: skip
    message = result["error"]["message"]
    for field in ("email", "password", "goc_number", "profession"):
        assert field in message


def test_user_create_refuses_a_second_account_on_a_number_or_an_email(database_url: str) -> None:
    def create(email: str, number: str, ok: bool = True) -> dict[str, Any]:
        return peercet(
            database_url, "user", "create", "--email", email, "--password", "a-long-pass-1",
            "--name", "Pat Person", "--goc-number", number, "--profession", "optometrist", ok=ok,
        )[0]  # fmt: skip

    assert create("pat@example.test", "01 77777")["email"] == "pat@example.test"
    taken = create("someone@example.test", "01-77777", ok=False)
    assert taken["error"]["code"] == "goc_number_taken"
    assert create("PAT@example.test", "01-88888", ok=False)["error"]["code"] == "email_taken"
