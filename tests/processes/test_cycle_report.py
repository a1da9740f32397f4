"""Moderators and operators see how registrants stand in a cycle, in aggregate: the one
function (both databases), the console's page, GET /api/moderation/cycle and
`peercet report cycle`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.cycles.report import cycle_report
from peercet.cycles.requirements import BUNDLED, parse
from tests.support import factories as f
from tests.support.services import run_peercet
from tests.support.web_helpers import app_client, run_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 4, 14, 0, tzinfo=LONDON)
IN_2025 = datetime(2025, 5, 1, 10, tzinfo=LONDON)


def small(settings: Settings) -> Settings:
    """Requirements a test can meet: an optometrist needs 2 points, 1 interactive, and
    two competencies; the other professions keep the GOC's."""
    data = json.loads(BUNDLED.read_text(encoding="utf-8"))
    data["professions"]["optometrist"].update(
        points=2, interactive=0, competencies=["Communication", "Ocular disease"]
    )
    return replace(settings, cet_requirements=parse(data))


async def _seed(session: AsyncSession) -> None:
    both = await f.course(session, False, points=2, professions=["optometrist"],
                          competencies=["Communication", "Ocular disease"])  # fmt: skip
    one = await f.course(session, False, points=1, professions=["optometrist"],
                         competencies=["Communication"])  # fmt: skip
    await f.course(session, False, professions=["dispensing_optician"],
                   competencies=["Low vision", "Communication"])  # fmt: skip
    met = await f.registrant(session)
    await f.completion(session, met, both, IN_2025)
    on_track = await f.registrant(session)
    await f.completion(session, on_track, one, IN_2025)  # a third of each is due by now
    await f.registrant(session)  # behind: nothing at all
    await f.registrant(session, "dispensing_optician")
    await f.registrant(session, role="moderator")  # staff: not counted


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    run_db(settings.database_url, _seed)
    return small(settings)


async def test_registrants_by_profession_and_competencies_poorly_covered(
    seeded: Settings,
) -> None:
    engine = create_engine(seeded.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            cycle, years = "2025-2027", [2025, 2026, 2027]
            report = await cycle_report(session, cycle, years, NOW, seeded)
            later = await cycle_report(session, cycle, years, NOW.replace(2028), seeded)
            wide = await cycle_report(session, cycle, years, NOW, seeded, 3)
    finally:
        await engine.dispose()
    rows = {p["profession"]: p for p in report["by_profession"]}
    assert rows["optometrist"] | {"profession": "x"} == {
        "profession": "x", "registrants": 3, "met": 1, "on_track": 1, "behind": 1,
        "not_met": 0, "on_track_total": 2,
    }  # fmt: skip
    assert (rows["dispensing_optician"]["registrants"], rows["dispensing_optician"]["behind"]) == (
        1, 1
    )  # fmt: skip
    assert rows["therapeutic_prescriber"]["registrants"] == 0
    assert (report["registrants"], report["on_track"]) == (4, 2)
    after = {p["profession"]: p for p in later["by_profession"]}["optometrist"]
    assert (after["met"], after["not_met"]) == (1, 2)  # the cycle is over
    thin = {(t["profession"], t["competency"]): t["courses"] for t in report["poorly_covered"]}
    assert ("optometrist", "Communication") not in thin  # two courses: enough
    assert thin[("optometrist", "Ocular disease")] == 1
    assert thin[("dispensing_optician", "Low vision")] == 1
    assert thin[("dispensing_optician", "Ophthalmic lenses")] == 0
    assert ("contact_lens_optician", "Low vision") in thin  # a CLO takes DOs' courses: still 1
    assert report["fewer_than"] == 2
    wider = {(t["profession"], t["competency"]) for t in wide["poorly_covered"]}
    assert ("optometrist", "Communication") in wider


def test_the_console_page_and_the_api(seeded: Settings) -> None:
    async def people(session: AsyncSession) -> None:
        await f.registrant(session, role="moderator", email="mod@example.test")
        await f.registrant(session, email="reg@example.test")

    run_db(seeded.database_url, people)
    with app_client(seeded, FixedClock(NOW)) as client:
        body = {"email": "reg@example.test", "password": f.PASSWORD}
        assert client.post("/api/session", json=body).status_code == 200
        assert client.get("/api/moderation/cycle").status_code == 403
        assert client.get("/moderation/cycle").status_code == 403
        body = {"email": "mod@example.test", "password": f.PASSWORD}
        assert client.post("/api/session", json=body).status_code == 200
        page = client.get("/moderation/cycle")
        api = client.get("/api/moderation/cycle?cycle=2025-2027").json()
        bad = client.get("/api/moderation/cycle?cycle=2026-2028")
    assert page.status_code == 200
    assert "2 of 5 registrants on track or met." in page.text  # the one added: behind
    assert '<tr data-profession="optometrist"><th scope="row">Optometrist</th>' in page.text
    assert "<td>4</td><td>1</td><td>1</td><td>2</td><td>0</td>" in page.text
    assert "fewer than 2 courses" in page.text and "Ophthalmic lenses" in page.text
    assert 'href="/moderation/cycle"' in page.text  # in the console's nav
    assert (api["registrants"], api["on_track"]) == (5, 2)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cycle"


def test_peercet_report_cycle(database_url: str, tmp_path: Path) -> None:
    redis = "redis://127.0.0.1:1/0"  # none needed
    run_peercet(database_url, redis, "db", "upgrade")
    run_peercet(database_url, redis, "demo", "--now", "2026-12-04T14:00")
    last, _ = run_peercet(database_url, redis, "report", "cycle", "--now", "2026-12-04T14:00")
    assert (last["cycle"], last["years"]) == ("2025-2027", [2025, 2026, 2027])
    rows = {p["profession"]: p for p in last["by_profession"]}
    assert (rows["optometrist"]["registrants"], rows["optometrist"]["behind"]) == (1, 1)
    assert rows["therapeutic_prescriber"]["registrants"] == 1  # the moderator is not counted
    thin = {(t["profession"], t["competency"]) for t in last["poorly_covered"]}
    assert ("optometrist", "Optical appliances") in thin
    other, _ = run_peercet(database_url, redis, "report", "cycle", "--cycle", "2028-2030")
    assert other["years"] == [2028, 2029, 2030]
    bad, stderr = run_peercet(database_url, redis, "report", "cycle", "--cycle", "2026", ok=False)
    assert bad["error"]["code"] == "bad_cycle" and "2025-2027" in stderr
    broken = tmp_path / "requirements.json"
    broken.write_text('{"professions": {}}')
    env = {"CET_REQUIREMENTS": str(broken)}
    refused, stderr = run_peercet(database_url, redis, "report", "cycle", ok=False, env=env)
    assert refused["error"]["code"] == "bad_input"
    assert f"CET_REQUIREMENTS {broken}: 'professions' must name each of" in stderr
