"""Numbers written by clients: ASCII digits only, ids that fit INTEGER; every way in
answers a clear 400 or 404, never a 500 (peercet/core/numbers.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.clock import FixedClock
from peercet.core.numbers import MAX_ID, is_id, whole
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.live import cookie
from tests.support.web_helpers import app_client, error_code, make_course, register, run_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("12", 12), ("007", 7), ("²", None), ("٣", None), ("", None), ("-1", None),
     (" 1", None), ("1.0", None), (None, None), (3, None)],
)  # fmt: skip
def test_a_whole_number_is_ascii_digits(text: object, expected: int | None) -> None:
    assert whole(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, True), (MAX_ID, True), (MAX_ID + 1, False), (0, False), (-1, False), (True, False),
     ("1", False), (1.0, False)],
)  # fmt: skip
def test_an_id_fits_the_databases_integer(value: object, expected: bool) -> None:
    assert is_id(value) is expected


def test_odd_digits_and_huge_ids_are_client_errors(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        assert error_code(client.get("/api/courses?page=²")) == "bad_query"
        course = client.get(f"/api/courses/{ref}").json()
        question = course["questions"][0]["id"]
        for answers, code in (({"²": 0}, "unknown_question"), ({str(question): "²"}, "bad_answer")):
            response = client.post(f"/api/courses/{ref}/attempts", json={"answers": answers})
            assert (response.status_code, error_code(response)) == (400, code)
        huge = MAX_ID + 1
        for path in (f"/api/completions/{huge}", f"/api/discussions/{huge}",
                     f"/api/completions/{huge}/certificate", "/api/completions/²"):  # fmt: skip
            assert client.get(path).status_code == 404, path


def test_a_report_names_a_message_of_the_discussion(settings: Settings) -> None:
    async def seed(session: AsyncSession) -> tuple[int, int]:
        mine, _, discussion = await f.pair(session, await f.course(session))
        return mine.registrant_id, discussion

    rid, did = run_db(settings.database_url, seed)
    with app_client(settings) as client:
        client.headers["Cookie"] = cookie(settings, rid, FixedClock(f.T0))
        for seq in (1, 0, MAX_ID + 1, True):
            response = client.post(
                f"/api/discussions/{did}/reports", json={"reason": "x", "seq": seq}
            )
            assert response.status_code == 400, (seq, response.text)
        response = client.post(f"/api/discussions/{did}/reports", json={"reason": "x"})
        assert response.status_code == 201
