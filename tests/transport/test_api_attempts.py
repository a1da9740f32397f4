"""POST /api/courses/{ref}/attempts: server-side marking and rule 1 (one per cycle,
limited failures a day, the score and nothing else)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import ExamAttempt
from tests.support.factories import PASSWORD, T0
from tests.support.web_helpers import (
    answers,
    app_client,
    error_code,
    make_course,
    register,
    run_db,
)

S = timedelta(seconds=1)


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
                          "completion": None, "attempts_left": 1, "retry_at": None}  # fmt: skip
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
    prescribers = make_course(settings, True, professions=["therapeutic_prescriber"])
    lens_fitters = make_course(settings, True, professions=["contact_lens_optician"])
    refused = [("optometrist", prescribers), ("optometrist", dispensing),
               ("dispensing_optician", lens_fitters), ("contact_lens_optician", ref),
               ("therapeutic_prescriber", dispensing)]  # fmt: skip
    for profession, course in refused:
        with app_client(settings) as client:  # not the other way round, nor across
            register(client, profession)
            response = client.post(f"/api/courses/{course}/attempts", json={"answers": {}})
            assert (response.status_code, error_code(response)) == (403, "not_for_profession")


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


def stored_attempts(settings: Settings) -> int:
    async def work(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(ExamAttempt)) or 0

    return run_db(settings.database_url, work)


def test_failures_are_limited_per_24_hours_and_a_refused_attempt_is_not_marked(
    settings: Settings,
) -> None:
    ref = make_course(settings, True)
    clock = FixedClock(T0)
    with app_client(settings, clock) as client:
        register(client)
        course = client.get(f"/api/courses/{ref}").json()
        assert (course["attempts_left"], course["retry_at"]) == (2, None)
        assert attempt(client, ref, {"answers": {}})[1]["attempts_left"] == 1
        clock.advance(timedelta(hours=1))
        status, second = attempt(client, ref, {"answers": answers(client, ref, wrong=2)})
        opens = (T0 + timedelta(hours=24)).isoformat()
        assert status == 201 and (second["attempts_left"], second["retry_at"]) == (0, opens)
        course = client.get(f"/api/courses/{ref}").json()
        assert (course["attempts_left"], course["retry_at"]) == (0, opens)
        for later, wait in ((timedelta(hours=1), 22 * 3600), (timedelta(hours=22) - S, 1)):
            clock.advance(later)  # right answers, refused all the same: nothing is marked
            refused = client.post(
                f"/api/courses/{ref}/attempts", json={"answers": answers(client, ref)}
            )
            assert refused.status_code == 429 and error_code(refused) == "attempts_exhausted"
            assert refused.json()["error"]["retry_at"] == refused.json()["retry_at"] == opens
            assert refused.headers["retry-after"] == str(wait)
            assert "score" not in refused.text and "passed" not in refused.json()
        assert stored_attempts(settings) == 2
        assert client.get("/api/completions").json() == {"completions": []}
        clock.advance(S)  # 24 hours after the first failure
        status, passed = attempt(client, ref, {"answers": answers(client, ref)})
        assert status == 201 and passed["passed"] and passed["completion"]
        assert (passed["attempts_left"], passed["retry_at"]) == (1, None)  # one fail still counts


def test_a_result_tells_the_score_and_nothing_per_question(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        chosen = answers(client, ref, wrong=2)
        response = client.post(f"/api/courses/{ref}/attempts", json={"answers": chosen})
    result = response.json()
    assert set(result) == {"passed", "score", "total", "pass_mark", "completion",
                           "attempts_left", "retry_at"}  # fmt: skip
    assert result["completion"] is None  # a fail: nothing in it lists questions or answers
    assert all(isinstance(v, int | None) for v in result.values())


def test_the_limit_is_per_course_and_a_setting(settings: Settings) -> None:
    first, second = make_course(settings, True), make_course(settings, False)
    with app_client(replace(settings, exam_attempts=1)) as client:
        register(client)
        assert attempt(client, first, {"answers": {}})[1]["retry_at"] is not None
        assert attempt(client, first, {"answers": {}})[0] == 429
        status, other = attempt(client, second, {"answers": {}})
        assert status == 201 and other["attempts_left"] == 0  # its own single attempt, used
        assert client.get(f"/api/courses/{first}").json()["attempts_left"] == 0


def test_signed_out_a_course_has_no_attempts_to_count(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        course = client.get(f"/api/courses/{ref}").json()
    assert (course["attempts_left"], course["retry_at"]) == (None, None)
