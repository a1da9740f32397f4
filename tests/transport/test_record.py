"""The record (`GET /api/me/record`), on both databases: every completed CET of the
registrant in the cycle and nothing else, as CSV and as PDF with the same rows; bad
parameters are 400 naming them, anonymous 401; `record_rows` is the one query."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions.actions import choose
from peercet.completions.awards import complete_interactive
from peercet.completions.fallback import fall_back
from peercet.completions.lifecycle import Mode
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import Completion
from peercet.cycles.record import HEADER, RecordRow, record_rows
from tests.support import factories as f
from tests.support.context import context
from tests.support.live import cookie
from tests.support.pdfs import text_of
from tests.support.web_helpers import app_client, error_code, run_db

Y2025 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
Y2026 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Y2028 = datetime(2028, 2, 1, 9, 0, tzinfo=UTC)
UPLOADED = datetime(2025, 6, 6, 9, 0, tzinfo=UTC)
ORDER = ("alone", "chosen", "fallen", "together")  # by completion


@dataclass
class History:
    registrant: int
    refs: dict[str, str]  # what each completion is -> course ref


async def _history(session: AsyncSession) -> History:
    """Olu's completions: four in 2025-2027 (chosen, fallback, interactive, uploaded),
    one open, one in the next cycle; and someone else's of the same course."""
    olu = await f.registrant(session, name="Olu Ádébáyọ̀", goc_number="01-31337")
    alone = await f.course(session, interactive=False, points=2, title="=HYPERLINK(x)")
    chosen = await f.course(session, competencies=["Communication", "Ocular disease"])
    fallen = await f.course(session)
    together = await f.course(session, points=3)
    still_open = await f.course(session)
    later = await f.course(session, interactive=False)
    first = await f.completion(session, olu, alone, Y2025)
    await session.execute(
        update(Completion).where(Completion.id == first.id).values(uploaded_at=UPLOADED)
    )
    done = await f.completion(session, olu, chosen, Y2026)
    await choose(session, done, chosen, Mode.NON_INTERACTIVE, Y2026, context())
    waiting = await f.waiting(session, olu, fallen, Y2026)
    await fall_back(session, [waiting.id], Y2026 + timedelta(days=15), context())
    people = (olu, await f.registrant(session))
    mine, peer, _ = await f.pair(session, together, Y2026 + timedelta(days=20), people=people)
    await complete_interactive(session, [mine.id, peer.id], Y2026 + timedelta(days=21))
    await f.completion(session, olu, still_open, Y2026)
    await f.completion(session, olu, later, Y2028)
    await f.completion(session, await f.registrant(session), alone, Y2025)
    refs = {
        "alone": alone.ref, "chosen": chosen.ref, "fallen": fallen.ref,
        "together": together.ref, "later": later.ref,
    }  # fmt: skip
    return History(olu.id, refs)


@pytest.fixture
def history(settings: Settings) -> History:
    return run_db(settings.database_url, _history)


def _csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def test_record_rows_are_the_cycles_completed_cet_oldest_first(
    settings: Settings, history: History
) -> None:
    async def rows(session: AsyncSession) -> list[RecordRow]:
        return await record_rows(session, history.registrant, "2025-2027")

    found = run_db(settings.database_url, rows)
    r = history.refs
    assert [row.course_ref for row in found] == [r[k] for k in ORDER]
    assert [(row.points, row.kind, row.fallback) for row in found] == [
        (2, "non_interactive", False), (1, "non_interactive", False),
        (1, "non_interactive", True), (3, "interactive", False),
    ]  # fmt: skip
    assert [row.cet_year for row in found] == [2025, 2026, 2026, 2026]
    assert found[0].uploaded_at == UPLOADED and found[1].uploaded_at is None


def test_the_record_as_csv_has_every_completed_cet_of_the_cycle(
    settings: Settings, history: History
) -> None:
    headers = {"Cookie": cookie(settings, history.registrant, FixedClock(f.T0))}
    with app_client(settings) as client:
        response = client.get("/api/me/record", headers=headers)  # default: csv, 2025-2027
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="cet-record-2025-2027.csv"' in response.headers["content-disposition"]
    assert response.text.splitlines()[0] == ",".join(HEADER)
    r = history.refs
    got = _csv(response.text)
    assert len(got) == 4
    rows = [(row["course_ref"], row["points"], row["kind"], row["fallback"]) for row in got]
    assert rows == [
        (r["alone"], "2", "non_interactive", "false"),
        (r["chosen"], "1", "non_interactive", "false"),
        (r["fallen"], "1", "non_interactive", "true"),
        (r["together"], "3", "interactive", "false"),
    ]
    first, chosen, fallen, together = got
    assert together["completed_on"] == "2026-03-23"  # at the second validation
    assert (first["completed_on"], first["cet_year"], first["uploaded_on"]) == (
        "2025-06-02",
        "2025",
        "2025-06-06",
    )
    assert first["course_title"] == "'=HYPERLINK(x)"  # neutralised as in the upload file
    assert chosen["competencies"] == "Communication;Ocular disease"
    assert chosen["uploaded_on"] == "" and chosen["cet_year"] == "2026"
    assert fallen["completed_on"] == "2026-03-16"  # at its deadline, 14 days on


def test_the_record_as_pdf_has_the_same_rows(settings: Settings, history: History) -> None:
    headers = {"Cookie": cookie(settings, history.registrant, FixedClock(f.T0))}
    with app_client(settings) as client:
        as_csv = _csv(client.get("/api/me/record?cycle=2025-2027", headers=headers).text)
        response = client.get("/api/me/record?cycle=2025-2027&format=pdf", headers=headers)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(text_of(response.content).split())
    assert "Olu Ádébáyọ̀" in text and "01-31337" in text and "cycle 2025-2027" in text
    refs = [ref for ref in history.refs.values() if ref in text]
    assert refs == [row["course_ref"] for row in as_csv]  # the same rows, in the same order
    assert "(by the deadline)" in text and "6 Jun 2025" in text
    assert "4 CET completed: 7 points, 3 of them interactive." in text


def test_another_cycle_and_an_empty_one(settings: Settings, history: History) -> None:
    headers = {"Cookie": cookie(settings, history.registrant, FixedClock(f.T0))}
    with app_client(settings) as client:
        later = _csv(client.get("/api/me/record?cycle=2028-2030", headers=headers).text)
        empty = client.get("/api/me/record?cycle=2022-2024&format=pdf", headers=headers)
    assert [row["course_ref"] for row in later] == [history.refs["later"]]
    assert "No CET completed in this cycle yet." in text_of(empty.content)


def test_the_default_cycle_follows_the_clock(settings: Settings, history: History) -> None:
    clock = FixedClock(datetime(2028, 3, 1, tzinfo=UTC))
    headers = {"Cookie": cookie(settings, history.registrant, clock)}
    with app_client(settings, clock) as client:
        rows = _csv(client.get("/api/me/record", headers=headers).text)
    assert [row["course_ref"] for row in rows] == [history.refs["later"]]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("cycle=2026-2028", "cycle"),
        ("cycle=2025", "cycle"),
        ("cycle=x" * 500, "cycle"),
        ("cycle=%00", "cycle"),
        ("cycle=2025-2027&format=xlsx", "format"),
        ("format=PDF", "format"),
        ("format=%ud800", "format"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    settings: Settings, history: History, query: str, named: str
) -> None:
    headers = {"Cookie": cookie(settings, history.registrant, FixedClock(f.T0))}
    with app_client(settings) as client:
        response = client.get(f"/api/me/record?{query}", headers=headers)
    assert response.status_code == 400 and response.json()["error"]["field"] == named
    assert error_code(response) == {"cycle": "bad_cycle", "format": "bad_query"}[named]


def test_anonymous_is_401(settings: Settings) -> None:
    with app_client(settings) as client:
        assert client.get("/api/me/record").status_code == 401


def test_the_record_has_the_same_rows_as_the_dashboard(
    settings: Settings, history: History
) -> None:
    """What the record lists is what `GET /api/me/cycle` counts: the same points, of the
    same kinds, in the same CET years, and the same courses behind the competencies."""
    clock = FixedClock(datetime(2026, 12, 4, 9, tzinfo=UTC))
    headers = {"Cookie": cookie(settings, history.registrant, clock)}
    with app_client(settings, clock) as client:
        rows = _csv(client.get("/api/me/record?cycle=2025-2027", headers=headers).text)
        pdf = client.get("/api/me/record?cycle=2025-2027&format=pdf", headers=headers)
        cycle = client.get("/api/me/cycle?cycle=2025-2027", headers=headers).json()
    interactive = sum(int(r["points"]) for r in rows if r["kind"] == "interactive")
    assert cycle["earned"]["points"] == sum(int(r["points"]) for r in rows)
    assert cycle["earned"]["interactive"] == interactive
    per_year = {y["year"]: (y["points"], y["interactive"]) for y in cycle["per_year"]}
    for year, (points, inter) in per_year.items():
        mine = [r for r in rows if r["cet_year"] == str(year)]
        assert points == sum(int(r["points"]) for r in mine)
        assert inter == sum(int(r["points"]) for r in mine if r["kind"] == "interactive")
    behind = {ref for c in cycle["competencies"] for ref in c["courses"]}
    listed = {r["course_ref"] for r in rows if r["competencies"]}
    assert behind <= {r["course_ref"] for r in rows} and listed >= behind
    text = text_of(pdf.content)
    assert all(r["course_ref"] in text for r in rows)
