"""POST /api/courses/{ref}/attempts: server-side marking and rule 1 (one per cycle)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from peercet.clock import FixedClock
from peercet.settings import Settings
from tests.web_helpers import PASSWORD, answers, app_client, error_code, make_course, register


def attempt(client: TestClient, ref: str, body: object) -> tuple[int, dict[str, object]]:
    response = client.post(f"/api/courses/{ref}/attempts", json=body)
    return response.status_code, response.json()


def test_a_fail_can_be_retried_and_a_pass_creates_one_completion(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        status, failed = attempt(client, ref, {"answers": answers(client, ref, wrong=2)})
        assert status == 201
        assert failed == {"passed": False, "score": 3, "total": 5, "pass_mark": 4,
                          "completion": None}  # fmt: skip
        status, passed = attempt(client, ref, {"answers": answers(client, ref, wrong=1)})
        assert status == 201
        assert (passed["passed"], passed["score"]) == (True, 4)
        completion = passed["completion"]
        assert isinstance(completion, dict)
        assert completion["state"] == "awaiting_choice"
        assert completion["course_ref"] == ref
        assert completion["deadline"] == "2026-03-16T09:00:00+00:00"  # 14 x 24 h after T0
        assert completion["points"] == {"interactive": 0, "non_interactive": 0}
        status, again = attempt(client, ref, {"answers": answers(client, ref)})
        assert status == 200
        assert again["completion"] == completion
        assert client.get(f"/api/courses/{ref}").json()["completion"]["id"] == completion["id"]
        assert len(client.get("/api/completions").json()["completions"]) == 1


def test_a_non_interactive_course_completes_at_once(settings: Settings) -> None:
    ref = make_course(settings, False, points=2)
    with app_client(settings) as client:
        register(client)
        status, result = attempt(client, ref, {"answers": answers(client, ref)})
    completion = result["completion"]
    assert status == 201 and isinstance(completion, dict)
    assert completion["state"] == "completed_non_interactive"
    assert completion["points"] == {"interactive": 0, "non_interactive": 2}
    assert completion["fallback"] is False
    assert completion["completed_at"] == "2026-03-02T09:00:00+00:00"


def test_unanswered_questions_count_as_wrong(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        status, result = attempt(client, ref, {"answers": {}})
    assert status == 201 and (result["passed"], result["score"]) == (False, 0)


def test_a_course_for_another_profession_is_403(settings: Settings) -> None:
    ref = make_course(settings, True, professions=["optometrist"])
    dispensing = make_course(settings, True, professions=["dispensing_optician"])
    with app_client(settings) as client:
        register(client, "dispensing_optician")
        response = client.post(f"/api/courses/{ref}/attempts", json={"answers": {}})
        assert response.status_code == 403 and error_code(response) == "not_for_profession"
    with app_client(settings) as client:  # specialties take their base profession's courses
        register(client, "therapeutic_prescriber")
        assert attempt(client, ref, {"answers": answers(client, ref)})[0] == 201
    with app_client(settings) as client:
        register(client, "contact_lens_optician")
        assert attempt(client, dispensing, {"answers": answers(client, dispensing)})[0] == 201


BAD_ANSWERS: list[tuple[object, str]] = [
    ({}, "bad_answer"),
    ({"answers": [1, 2]}, "bad_answer"),
    ({"answers": {"999999": 0}}, "unknown_question"),
    ({"answers": {"x": 0}}, "unknown_question"),
    ("FIRST:9", "bad_answer"),
    ("FIRST:true", "bad_answer"),
]


def test_bad_answers_are_400(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        first = client.get(f"/api/courses/{ref}").json()["questions"][0]["id"]
        for body, code in BAD_ANSWERS:
            if isinstance(body, str):
                value = {"9": 9, "true": True}[body.split(":")[1]]
                body = {"answers": {str(first): value}}
            response = client.post(f"/api/courses/{ref}/attempts", json=body)
            assert (response.status_code, error_code(response)) == (400, code), body
        bad_json = client.post(f"/api/courses/{ref}/attempts", content=b"{nope")
        assert bad_json.status_code == 400 and error_code(bad_json) == "bad_json"
        assert client.get("/api/completions").json() == {"completions": []}


def test_attempting_needs_a_signed_in_registrant(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        response = client.post(f"/api/courses/{ref}/attempts", json={"answers": {}})
    assert response.status_code == 401 and error_code(response) == "not_signed_in"


def test_a_write_from_a_foreign_origin_is_403(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        response = client.post(
            f"/api/courses/{ref}/attempts",
            json={"answers": {}},
            headers={"Origin": "https://evil.example"},
        )
    assert response.status_code == 403 and error_code(response) == "bad_origin"


def test_a_pass_after_the_year_end_cut_off_belongs_to_the_next_year(settings: Settings) -> None:
    """Once per cycle: a pass after 2026's cut-off (CET year 2027, the same cycle) answers
    200 with December's completion; one after 2027's (2028: the next cycle) is new."""
    ref = make_course(settings, True)
    clock = FixedClock(datetime(2026, 12, 29, 10, 0, tzinfo=UTC))
    with app_client(settings, clock) as client:
        me = register(client)
        status, before = attempt(client, ref, {"answers": answers(client, ref)})
        december = before["completion"]
        assert status == 201 and isinstance(december, dict)
        assert (december["cet_year"], december["cycle"]) == (2026, "2025-2027")
        assert december["deadline"] == "2026-12-30T12:00:00+00:00"  # the cut-off comes first
        clock.at = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)  # noon in London, in winter
        status, after = attempt(client, ref, {"answers": answers(client, ref)})
        assert status == 200 and after["completion"] == december
        clock.at = datetime(2027, 12, 30, 12, 0, tzinfo=UTC)
        signed = client.post("/api/session", json={"email": me["email"], "password": PASSWORD})
        assert signed.status_code == 200  # a year on: a new session
        status, after = attempt(client, ref, {"answers": answers(client, ref)})
        january = after["completion"]
        assert status == 201 and isinstance(january, dict)
        assert january["id"] != december["id"]
        assert (january["cet_year"], january["cycle"]) == (2028, "2028-2030")
        passed = clock.at + timedelta(days=14)
        assert datetime.fromisoformat(january["deadline"]) == passed


def test_an_unknown_course_or_a_huge_body_is_refused(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        unknown = client.post("/api/courses/C-99999/attempts", json={"answers": {}})
        assert unknown.status_code == 404 and error_code(unknown) == "unknown_course"
        huge = {"answers": {}, "padding": "x" * 70_000}
        too_large = client.post(f"/api/courses/{ref}/attempts", json=huge)
        assert too_large.status_code == 413 and error_code(too_large) == "too_large"
