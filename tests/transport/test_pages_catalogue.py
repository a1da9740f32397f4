"""The catalogue's pages: the competency filter (rule 10) and the exam's attempts (rule 1)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx2
from starlette.testclient import TestClient

from peercet.catalogue import competencies
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support.factories import T0
from tests.support.web_helpers import app_client, make_course, register
from tests.transport.test_pages import TOKEN

SELECT = re.compile(r'<select id="competency" name="competency">(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"\s*(selected)?>')


def competency_options(page: str) -> tuple[list[str], list[str]]:
    """The filter's choices (after "Any") and the selected ones."""
    found = SELECT.search(page)
    assert found is not None, page
    options = OPTION.findall(found.group(1))
    assert options[0][0] == ""  # "Any"
    return [v for v, _ in options[1:]], [v for v, chosen in options if chosen]


def test_the_competency_filter_is_a_choice_from_the_registrants_list(settings: Settings) -> None:
    with app_client(settings) as client:
        names, chosen = competency_options(client.get("/courses").text)
        assert names == [c.name for c in competencies.bundled().entries()] and chosen == []
        register(client, "contact_lens_optician")
        names, _ = competency_options(client.get("/courses").text)
        assert names == list(competencies.competencies_of("contact_lens_optician"))
        assert "Low vision" in names and "Ocular disease" not in names
        # a name from another profession's list, asked for by a link, stays chosen
        names, chosen = competency_options(client.get("/courses?competency=ocular+DISEASE").text)
        assert chosen == ["Ocular disease"] and names[-1] == "Ocular disease"
        refused = client.get("/courses?competency=Refraction")
        assert refused.status_code == 400 and "must be a name from" in refused.text
        assert competency_options(refused.text)[1] == []


def exam_form(page: str) -> str:
    """The exam form without its CSRF token (a page may get a fresh one)."""
    found = re.search(r'<form method="post" action="/courses/[^"]+/exam".*?</form>', page, re.S)
    assert found is not None, page
    return TOKEN.sub("", found.group(0))


def submit(client: TestClient, ref: str, page: str, right: bool) -> httpx2.Response:
    ids = list(dict.fromkeys(re.findall(r'name="q(\d+)"', page)))
    chosen = {f"q{q}": str(i % 3 if right else (i + 1) % 3) for i, q in enumerate(ids)}
    csrf = TOKEN.search(page)
    assert csrf is not None
    return client.post(f"/courses/{ref}/exam", data={"csrf_token": csrf.group(1), **chosen},
                       follow_redirects=False)  # fmt: skip


def test_the_course_page_tells_attempts_left_and_never_which_answers_were_wrong(
    settings: Settings,
) -> None:
    ref = make_course(settings, True)
    clock = FixedClock(T0)
    with app_client(settings, clock) as client:
        register(client)
        fresh = client.get(f"/courses/{ref}").text
        assert "Attempts left: 2." in fresh
        failed = submit(client, ref, fresh, right=False)
        text = failed.text
        assert "Not passed: you scored 0 out of 5" in text and "Attempts left: 1." in text
        assert exam_form(text) == exam_form(fresh)  # nothing marked per question, nothing kept
        clock.advance(timedelta(hours=2))
        last = submit(client, ref, text, right=False).text
        allowed_from = "Your next attempt is allowed from Tue 3 March 2026, 09:00 GMT"
        assert "You have no attempt left at this exam for now" in last and allowed_from in last
        assert "/exam" not in last  # no form to submit
        refused = submit(client, ref, fresh, right=True)
        assert refused.status_code == 429
        assert allowed_from in refused.text
        assert "Not passed" not in refused.text
        clock.at = T0 + timedelta(hours=24)
        again = client.get(f"/courses/{ref}").text
        assert "Attempts left: 1." in again and exam_form(again) == exam_form(fresh)
        passed = submit(client, ref, again, right=True)
        assert passed.status_code == 303


def test_the_course_page_shows_the_course_and_its_reading_time_before_the_exam(
    settings: Settings,
) -> None:
    markdown = "## Measuring IOP\n\nRefer at **24 mmHg**.\n\n<img src=x onerror=alert(1)>"
    ref = make_course(settings, True, content=markdown + " word" * 400)
    bare = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        page = client.get(f"/courses/{ref}").text
        plain = client.get(f"/courses/{bare}").text
    reading = page.index('id="reading-time">About 3 minutes to read.')
    assert reading < page.index("<h3>Measuring IOP</h3>") < page.index("<h2>Exam</h2>")
    assert "Refer at <strong>24 mmHg</strong>." in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert 'id="course-text"' not in plain and "<h2>Exam</h2>" in plain
