"""GET /api/me/cycle on both databases: every field for the demo registrant's history,
the cycle by the clock, another cycle, a bad cycle (400), anonymous (401)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from peercet.cli import demo
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support.context import context
from tests.support.web_helpers import (
    app_client,
    error_code,
    make_course,
    pass_exam,
    register,
    run_db,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 4, 14, 0, tzinfo=LONDON)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@pytest.fixture
def demo_loaded(settings: Settings) -> None:
    async def work(session: AsyncSession) -> None:
        await demo.load(session, NOW, context())

    run_db(settings.database_url, work)


def olivia(client: TestClient) -> None:
    body = {"email": "olivia@demo.peercet.test", "password": "olivia-demo-1"}
    assert client.post("/api/session", json=body).status_code == 200


def cycle(client: TestClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/me/cycle{query}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.mark.usefixtures("demo_loaded")
def test_every_field_of_the_demo_registrants_cycle(settings: Settings) -> None:
    with app_client(settings, FixedClock(NOW)) as client:
        olivia(client)
        got = cycle(client)
    assert (got["cycle"], got["years"]) == ("2025-2027", [2025, 2026, 2027])
    assert got["requirement"] == {
        "points": 36, "interactive": 18, "specialty_points": 0, "general_points": 0,
        "specialty": None,
        "competencies": ["Communication", "Professional conduct", "Visual function",
                         "Optical appliances", "Ocular examination", "Ocular disease",
                         "Contact lenses", "Binocular vision"],
    }  # fmt: skip
    assert got["earned"] == {
        "points": 6, "interactive": 2, "non_interactive": 4, "specialty_points": 0,
        "general_points": 0,
    }  # fmt: skip
    assert [(y["year"], y["points"], y["interactive"]) for y in got["per_year"]] == [
        (2025, 3, 1), (2026, 3, 1), (2027, 0, 0),
    ]  # fmt: skip
    covered = {c["name"]: c["courses"] for c in got["competencies"] if c["covered"]}
    assert covered == {
        "Communication": ["C-10468", "C-10489"], "Visual function": ["C-10468", "C-10452"],
        "Ocular examination": ["C-10437"], "Ocular disease": ["C-10437", "C-10473", "C-10531"],
        "Contact lenses": ["C-10468", "C-10489"], "Binocular vision": ["C-10452"],
    }  # fmt: skip
    missing = [c for c in got["competencies"] if not c["covered"]]
    assert missing == [
        {"name": "Professional conduct", "covered": False, "courses": []},
        {"name": "Optical appliances", "covered": False, "courses": []},
    ]
    assert got["missing"]["competencies"] == ["Professional conduct", "Optical appliances"]
    assert (got["missing"]["points"], got["missing"]["interactive"]) == (30, 16)
    assert [(s["ref"], s["covers"], s["interactive"]) for s in got["suggestions"]] == [
        ("C-10502", ["Optical appliances"], True),
        ("C-10523", ["Professional conduct"], True),
    ]
    assert set(got["suggestions"][0]) >= {"ref", "title", "professions", "competencies",
                                          "interactive", "points"}  # fmt: skip
    assert (got["status"], got["on_track"]) == ("behind", False)
    assert (got["target"]["points"], got["target"]["interactive"]) == (12, 6)
    assert got["target"]["competencies"] == 3
    assert got["not_uploaded"] == 1  # C-10531, completed an hour ago
    assert got["to_accept"] == [
        {"year": 2026, "points": 2, "accept_by": "2027-01-01T00:00:00+00:00"}
    ]
    assert got["in_progress"] == []


@pytest.mark.usefixtures("demo_loaded")
def test_the_default_cycle_is_the_current_one_by_the_clock(settings: Settings) -> None:
    clock = FixedClock(london(2027, 12, 30, 11, 59))
    with app_client(settings, clock) as client:
        olivia(client)
        assert cycle(client)["cycle"] == "2025-2027"
        assert cycle(client)["status"] == "behind"
        clock.at = london(2027, 12, 30, 12, 0)  # the cut-off: CET year 2028 has begun
        now = cycle(client)
        assert (now["cycle"], now["years"]) == ("2028-2030", [2028, 2029, 2030])
        assert now["earned"]["points"] == 0 and now["status"] == "on_track"  # nothing due yet
        assert len(now["suggestions"]) == 6  # everything is missing again
        assert now["to_accept"] == []
        past = cycle(client, "?cycle=2025-2027")
        assert (past["earned"]["points"], past["status"]) == (6, "not_met")


@pytest.mark.usefixtures("demo_loaded")
def test_another_cycle_is_asked_for_by_its_label(settings: Settings) -> None:
    with app_client(settings, FixedClock(NOW)) as client:
        olivia(client)
        before = cycle(client, "?cycle=2022-2024")
        after = cycle(client, "?cycle=2028-2030")
    assert before["years"] == [2022, 2023, 2024] and before["earned"]["points"] == 0
    assert before["status"] == "not_met" and after["status"] == "on_track"
    assert after["not_uploaded"] == 0


@pytest.mark.parametrize(
    "label",
    ["2024-2026", "2025", "2025-2026", "abc", "2025-2027x", " 2025-2027", "٢٠٢٥-٢٠٢٧",
     "2025-2027\x00", "9" * 30, "99999-100001", "-2-0", "0-2"],
)  # fmt: skip
def test_a_label_that_names_no_configured_cycle_is_400(settings: Settings, label: str) -> None:
    with app_client(settings, FixedClock(NOW)) as client:
        register(client)
        response = client.get("/api/me/cycle", params={"cycle": label})
    assert response.status_code == 400
    assert error_code(response) == "bad_cycle"
    assert "2025-2027" in response.json()["error"]["message"]


def test_anonymous_is_401(settings: Settings) -> None:
    with app_client(settings, FixedClock(NOW)) as client:
        response = client.get("/api/me/cycle")
    assert response.status_code == 401
    assert error_code(response) == "not_signed_in"


def test_a_contact_lens_optician_earns_specialty_points(settings: Settings) -> None:
    specialty = make_course(settings, False, points=3, professions=["contact_lens_optician"],
                            competencies=["Contact lens fitting", "Communication"])  # fmt: skip
    general = make_course(settings, False, points=2, professions=["dispensing_optician"])
    with app_client(settings, FixedClock(NOW)) as client:
        register(client, "contact_lens_optician")
        for ref in (specialty, general):
            pass_exam(client, ref)
        got = cycle(client)
    assert got["requirement"]["specialty"] == "contact lens specialty CET"
    assert (got["requirement"]["specialty_points"], got["requirement"]["general_points"]) == (
        18,
        18,
    )
    assert got["earned"] == {
        "points": 5, "interactive": 0, "non_interactive": 5, "specialty_points": 3,
        "general_points": 2,
    }  # fmt: skip
    assert got["per_year"][1]["specialty_points"] == 3
    assert len(got["requirement"]["competencies"]) == 12  # the DO's and the specialty's own
    assert got["not_uploaded"] == 5


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("demo_loaded")
def test_the_page_shows_what_the_api_says(settings: Settings) -> None:
    with app_client(settings, FixedClock(NOW), follow_redirects=False) as client:
        anonymous = client.get("/account/cycle")
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == "/signin?next=/account/cycle"
        olivia(client)
        page = client.get("/account/cycle").text
        bad = client.get("/account/cycle?cycle=2026-2028")
        other = client.get("/account/cycle?cycle=2028-2030").text
        account = client.get("/account").text
    assert '<span class="figure">6 of 36</span>' in page
    assert '<span class="figure">2 of 18</span>' in page
    assert "bar-specialty" not in page  # an optometrist has no specialty
    assert 'width="17%"' in page  # 6 of 36, drawn
    assert "missing: Professional conduct, Optical appliances." in page
    assert 'href="/api/me/record?cycle=2025-2027&amp;format=pdf"' in page
    assert " style=" not in page and "<script>" not in page  # the CSP allows neither
    assert bad.status_code == 400 and "cycle such as" in bad.text
    assert "My CET cycle 2028-2030" in other and '<span class="figure">0 of 36</span>' in other
    assert 'href="/account/cycle"' in account
