"""GET /api/courses and /api/courses/{ref}: search, filters, pages, no answers (rule 10)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from peercet.core.settings import Settings
from tests.support.web_helpers import app_client, error_code, make_course


def refs(response: object) -> set[str]:
    return {c["ref"] for c in response.json()["courses"]}  # type: ignore[attr-defined]


def test_search_by_keyword_profession_competency_and_interactive(settings: Settings) -> None:
    glaucoma = make_course(settings, True, title="Glaucoma referral", professions=["optometrist"])
    frames = make_course(
        settings, False, title="Frame fitting", professions=["dispensing_optician"],
        competencies=["Optical appliances"],
    )  # fmt: skip
    lenses = make_course(
        settings, True, title="Lens care", professions=["contact_lens_optician"],
        competencies=["Contact lenses"],
    )  # fmt: skip
    with app_client(settings) as client:
        assert refs(client.get("/api/courses")) == {glaucoma, frames, lenses}
        assert refs(client.get("/api/courses?q=GLAUCOMA")) == {glaucoma}
        assert refs(client.get("/api/courses", params={"q": glaucoma})) == {glaucoma}
        assert refs(client.get("/api/courses?q=interactive")) == {glaucoma, lenses}
        assert refs(client.get("/api/courses?q=non-interactive")) == {frames}
        assert refs(client.get("/api/courses?q=interactive+lens")) == {lenses}
        assert refs(client.get("/api/courses?q=Interactive+CET")) == {glaucoma, lenses}
        assert refs(client.get("/api/courses?q=interactive%20GLAUCOMA")) == {glaucoma}
        assert refs(client.get("/api/courses?q=interactive+frame")) == set()
        assert refs(client.get("/api/courses?interactive=true")) == {glaucoma, lenses}
        assert refs(client.get("/api/courses?interactive=false")) == {frames}
        assert refs(client.get("/api/courses?competency=contact%20LENSES")) == {lenses}
        assert refs(client.get("/api/courses?profession=optometrist")) == {glaucoma}
        # a therapeutic prescriber takes optometrists' courses, a CLO dispensing opticians'
        assert refs(client.get("/api/courses?profession=therapeutic_prescriber")) == {glaucoma}
        clo = client.get("/api/courses?profession=contact_lens_optician")
        assert refs(clo) == {frames, lenses}
        assert refs(client.get("/api/courses?q=nothing-like-this")) == set()


def test_a_listed_course_has_the_contract_fields(settings: Settings) -> None:
    ref = make_course(settings, True, points=2, competencies=["Communication"])
    with app_client(settings) as client:
        [course] = client.get("/api/courses").json()["courses"]
    assert course == {
        "ref": ref,
        "title": course["title"],
        "professions": ["optometrist", "dispensing_optician"],
        "competencies": ["Communication"],
        "interactive": True,
        "points": 2,
    }


def test_pages_of_twenty_with_a_next_url(settings: Settings) -> None:
    for n in range(25):
        make_course(settings, False, ref=f"C-3{n:04d}")
    with app_client(settings) as client:
        first = client.get("/api/courses?interactive=false").json()
        assert len(first["courses"]) == 20
        assert first["courses"][0]["ref"] == "C-30000"
        query = parse_qs(urlsplit(first["next"]).query)
        assert query == {"interactive": ["false"], "page": ["2"]}
        assert first["next"].startswith("http://testserver/api/courses?")
        second = client.get(first["next"]).json()
        assert [c["ref"] for c in second["courses"]] == [f"C-3{n:04d}" for n in range(20, 25)]
        assert second["next"] is None
        assert client.get("/api/courses?page=9").json() == {"courses": [], "next": None}


def test_a_bad_query_is_400(settings: Settings) -> None:
    with app_client(settings) as client:
        for query in ["page=0", "page=x", "interactive=maybe", "profession=astronaut",
                      "q=" + "x" * 201, "competency=Refraction", "competency=lenses"]:  # fmt: skip
            response = client.get(f"/api/courses?{query}")
            assert response.status_code == 400 and error_code(response) == "bad_query"
            assert response.json()["error"]["message"]


def test_a_course_shows_questions_and_options_but_never_the_answers(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        response = client.get(f"/api/courses/{ref}")
    assert response.status_code == 200
    course = response.json()
    assert course["ref"] == ref and course["pass_mark"] == 4 and course["summary"]
    assert len(course["questions"]) == 5
    question = course["questions"][0]
    assert set(question) == {"id", "text", "options"}
    assert question["options"] == [{"id": 0, "text": "a"}, {"id": 1, "text": "b"},
                                   {"id": 2, "text": "c"}]  # fmt: skip
    assert "answer" not in response.text
    assert course["completion"] is None


def test_an_unknown_course_is_404(settings: Settings) -> None:
    with app_client(settings) as client:
        response = client.get("/api/courses/C-99999")
        attempt = client.post("/api/courses/C-99999/attempts", json={"answers": {}})
    assert response.status_code == 404 and error_code(response) == "unknown_course"
    assert attempt.status_code == 401  # who asks comes first


def test_a_course_added_later_is_found(settings: Settings) -> None:
    first = make_course(settings, True)
    with app_client(settings) as client:
        assert refs(client.get("/api/courses")) == {first}
        second = make_course(settings, True)  # imported while the app runs
        assert refs(client.get("/api/courses")) == {first, second}


def test_a_course_serves_its_content_rendered_and_its_reading_time(settings: Settings) -> None:
    markdown = "## Risk\n\n- age\n- *myopia*\n\n<script>alert(1)</script>" + " word" * 250
    ref = make_course(settings, True, content=markdown)
    bare = make_course(settings, True)
    with app_client(settings) as client:
        course = client.get(f"/api/courses/{ref}").json()
        without = client.get(f"/api/courses/{bare}").json()
        listed = client.get("/api/courses").json()["courses"]
    assert course["content"] == markdown
    assert course["content_html"].startswith("<h3>Risk</h3>\n<ul>\n<li>age</li>")
    assert "<em>myopia</em>" in course["content_html"]
    assert "&lt;script&gt;" in course["content_html"] and "<script" not in course["content_html"]
    assert course["reading_minutes"] == 2  # 254 words
    assert (without["content"], without["content_html"], without["reading_minutes"]) == (
        None, None, None,
    )  # fmt: skip
    assert all("content" not in c for c in listed)  # the search stays small
