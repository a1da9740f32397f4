"""Completions: the owner's only, the choice (rule 2), the certificate, notifications."""

from __future__ import annotations

import json
from datetime import timedelta

from redis import Redis
from starlette.testclient import TestClient

from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.pdfs import fonts_of, link_uris, text_of
from tests.support.web_helpers import (
    app_client,
    error_code,
    make_course,
    pass_exam,
    register,
    run_db,
)


def choose(client: TestClient, cid: int, mode: str) -> tuple[int, dict[str, object]]:
    response = client.post(f"/api/completions/{cid}/choice", json={"mode": mode})
    return response.status_code, response.json()


def test_choosing_non_interactive_is_final_and_earns_the_point(settings: Settings) -> None:
    ref = make_course(settings, True, points=1)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        status, done = choose(client, cid, "non_interactive")
        assert status == 200
        assert done["state"] == "completed_non_interactive" and done["fallback"] is False
        assert done["points"] == {"interactive": 0, "non_interactive": 1}
        assert done["completed_at"] == f.T0.isoformat()
        assert choose(client, cid, "non_interactive") == (200, done)  # repeating changes nothing
        status, refused = choose(client, cid, "interactive")
        assert status == 409 and refused["error"]["code"] == "already_chosen"  # type: ignore[index]


def test_a_completion_shows_the_points_awarded_not_the_course_now(settings: Settings) -> None:
    """Rule 6: a course re-imported worth 3 leaves a completion awarded 1 at 1, everywhere."""
    ref = make_course(settings, True, points=1)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        choose(client, cid, "non_interactive")
        run_db(settings.database_url, lambda session: f.reprice(session, ref, 3))
        awarded = {"interactive": 0, "non_interactive": 1}
        assert client.get(f"/api/completions/{cid}").json()["points"] == awarded
        [listed] = client.get("/api/completions").json()["completions"]
        assert listed["points"] == awarded
        assert choose(client, cid, "non_interactive")[1]["points"] == awarded
        assert client.get(f"/api/courses/{ref}").json()["completion"]["points"] == awarded
        assert pass_exam(client, ref)["points"] == awarded  # a pass again: the same completion
        account = client.get("/account").text
    assert "1 non-interactive" in account and "3 non-interactive" not in account


def test_choosing_interactive_waits_for_a_peer_and_can_give_up_the_queue(
    settings: Settings,
) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        status, waiting = choose(client, cid, "interactive")
        assert (status, waiting["state"]) == (200, "seeking_peer")
        assert choose(client, cid, "interactive")[1]["state"] == "seeking_peer"
        status, done = choose(client, cid, "non_interactive")
        assert (status, done["state"]) == (200, "completed_non_interactive")
        assert choose(client, cid, "interactive")[0] == 409


def test_a_choice_after_the_deadline_is_409(settings: Settings) -> None:
    ref = make_course(settings, True)
    clock = FixedClock(f.T0)
    with app_client(settings, clock) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        clock.advance(timedelta(days=14))
        response = client.post(f"/api/completions/{cid}/choice", json={"mode": "interactive"})
    assert response.status_code == 409 and error_code(response) == "deadline_passed"


def test_a_non_interactive_course_has_no_choice(settings: Settings) -> None:
    ref = make_course(settings, False)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        response = client.post(f"/api/completions/{cid}/choice", json={"mode": "interactive"})
    assert response.status_code == 409 and error_code(response) == "not_interactive"


def test_a_bad_mode_is_400(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        for body in ({}, {"mode": "both"}, {"mode": 1}):
            response = client.post(f"/api/completions/{cid}/choice", json=body)
            assert response.status_code == 400 and error_code(response) == "bad_mode"


def test_another_registrants_completion_is_404_and_reveals_nothing(settings: Settings) -> None:
    ref = make_course(settings, False)
    with app_client(settings) as owner:
        register(owner, name="Owner Person")
        cid = pass_exam(owner, ref)["id"]
    with app_client(settings) as other:
        register(other, name="Other Person")
        for response in (
            other.get(f"/api/completions/{cid}"),
            other.post(f"/api/completions/{cid}/choice", json={"mode": "non_interactive"}),
            other.get(f"/api/completions/{cid}/certificate"),
            other.get("/api/completions/999999"),
            other.get("/api/completions/not-a-number"),
        ):
            assert response.status_code == 404
            assert set(response.json()) == {"error"}
            assert "Owner" not in response.text and ref not in response.text
        assert other.get("/api/completions").json() == {"completions": []}


def test_completions_need_a_signed_in_registrant(settings: Settings) -> None:
    with app_client(settings) as client:
        for response in (
            client.get("/api/completions"),
            client.get("/api/completions/1"),
            client.post("/api/completions/1/choice", json={"mode": "interactive"}),
            client.get("/api/completions/1/certificate"),
            client.get("/api/notifications"),
            client.post("/api/notifications/read"),
        ):
            assert response.status_code == 401 and error_code(response) == "not_signed_in"


def test_a_completion_lists_its_state_deadline_and_next_step(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        [listed] = client.get("/api/completions").json()["completions"]
        one = client.get(f"/api/completions/{cid}").json()
    for key in ("id", "course_ref", "state", "deadline", "discussion_id", "points", "fallback",
                "completed_at", "uploaded_at"):  # fmt: skip
        assert key in listed
    assert listed["uploaded_at"] is None and listed["discussion_id"] is None
    assert "not complete until you choose" in listed["next_step"]
    assert one["notifications"] == [] and one["id"] == cid


def test_the_certificate_is_a_pdf_once_completed(settings: Settings) -> None:
    ref = make_course(settings, True, title="Dry eye", competencies=["Communication"])
    with app_client(settings) as client:
        register(client, name="Zoë Ångström-Łukasz", goc_number="01-54321")
        cid = pass_exam(client, ref)["id"]
        early = client.get(f"/api/completions/{cid}/certificate")
        assert early.status_code == 409 and error_code(early) == "not_completed"
        choose(client, cid, "non_interactive")
        response = client.get(f"/api/completions/{cid}/certificate")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"certificate-{ref}-{cid}.pdf" in response.headers["content-disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert "Zoë Ångström-Łukasz" in text_of(pdf)
    [verify] = link_uris(pdf)
    assert verify.startswith("http://127.0.0.1:8000/verify/")
    assert fonts_of(pdf) == {"NotoSansBold": True, "NotoSans": True}  # embedded subsets


def test_notifications_are_listed_and_marked_read(settings: Settings) -> None:
    ref = make_course(settings, False)
    other = make_course(settings, False)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        pass_exam(client, other)
        listed = client.get("/api/notifications").json()
        assert listed["unread"] == 2
        note = next(n for n in listed["notifications"] if n["completion_id"] == cid)
        assert note["kind"] == "completed" and ref in note["body"] and note["read"] is False
        on_completion = client.get(f"/api/completions/{cid}").json()["notifications"]
        assert [n["id"] for n in on_completion] == [note["id"]]
        marked = client.post("/api/notifications/read", json={"ids": [note["id"]]})
        assert marked.json() == {"read": 1}
        assert client.get("/api/notifications").json()["unread"] == 1
        assert client.post("/api/notifications/read").json() == {"read": 1}
        me = client.get("/api/me").json()
        assert all(n["read"] for n in me["notifications"])
        bad = client.post("/api/notifications/read", json={"ids": "all"})
        assert bad.status_code == 400


def test_a_choice_publishes_the_completion_after_commit(settings: Settings) -> None:
    ref = make_course(settings, True)
    redis = Redis.from_url(settings.redis_url)
    pubsub = redis.pubsub()
    try:
        with app_client(settings) as client:
            rid = register(client)["id"]
            cid = pass_exam(client, ref)["id"]
            pubsub.subscribe(keys.registrant_channel(rid))
            assert pubsub.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
            choose(client, cid, "interactive")
            message = pubsub.get_message(timeout=2)
        assert message is not None
        frame = json.loads(message["data"])
        assert frame["type"] == "completion"
        assert (frame["completion"]["id"], frame["completion"]["state"]) == (cid, "seeking_peer")
    finally:
        pubsub.close()
        redis.close()
