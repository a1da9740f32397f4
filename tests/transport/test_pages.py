"""The server-rendered pages: forms with CSRF tokens, the catalogue, the exam, the choice,
my account, and errors as pages."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from peercet.core.settings import Settings
from tests.support.factories import PASSWORD
from tests.support.web_helpers import app_client, make_course, register

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = TOKEN.search(page.text)
    assert found is not None
    return found.group(1)


def register_by_form(client: TestClient, email: str = "pat@example.test") -> None:
    form = {
        "csrf_token": token(client, "/register"),
        "name": "Pat Tester",
        "email": email,
        "password": PASSWORD,
        "goc_number": "01-23456",
        "profession": "optometrist",
    }
    response = client.post("/register", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/account"


def test_register_sign_out_and_sign_in_with_forms(settings: Settings) -> None:
    with app_client(settings) as client:
        register_by_form(client)
        account = client.get("/account")
        assert account.status_code == 200 and "Pat Tester" in account.text
        out = client.post("/signout", data={"csrf_token": token(client, "/account")},
                          follow_redirects=False)  # fmt: skip
        assert out.status_code == 303
        client.cookies.delete("peercet_session")
        assert client.get("/account", follow_redirects=False).headers["location"] == (
            "/signin?next=/account"
        )
        form = {"csrf_token": token(client, "/signin"), "email": "pat@example.test",
                "password": "wrong-password-1", "next": "/account"}  # fmt: skip
        wrong = client.post("/signin", data=form)
        assert wrong.status_code == 401 and "wrong email or password" in wrong.text
        right = client.post("/signin", data={**form, "password": PASSWORD, "next": "//evil.test"},
                            follow_redirects=False)  # fmt: skip
        assert right.status_code == 303 and right.headers["location"] == "/account"


def test_a_form_without_a_valid_csrf_token_is_refused(settings: Settings) -> None:
    with app_client(settings) as client:
        good = token(client, "/register")
        base = {"name": "Pat", "email": "p@example.test", "password": PASSWORD,
                "goc_number": "01-23456", "profession": "optometrist"}  # fmt: skip
        for bad in ({}, {"csrf_token": "forged"}, {"csrf_token": good + "x"}):
            response = client.post("/register", data={**base, **bad})
            assert response.status_code == 403 and "reload" in response.text
        client.cookies.delete("peercet_csrf")  # a token from another browser's cookie
        response = client.post("/register", data={**base, "csrf_token": good})
        assert response.status_code == 403


def test_registration_problems_are_shown_on_the_form(settings: Settings) -> None:
    with app_client(settings) as client:
        form = {"csrf_token": token(client, "/register"), "name": "Pat", "email": "nope",
                "password": "short", "goc_number": "x", "profession": "optometrist"}  # fmt: skip
        response = client.post("/register", data=form)
    assert response.status_code == 400
    assert "email is not an email address" in response.text and 'value="Pat"' in response.text


def test_the_catalogue_marks_interactive_courses(settings: Settings) -> None:
    interactive = make_course(settings, True, title="Talking glaucoma")
    plain = make_course(settings, False, title="Reading frames")
    with app_client(settings) as client:
        everything = client.get("/courses").text
        assert interactive in everything and plain in everything
        assert everything.count('class="badge interactive"') == 1
        found = client.get("/courses?q=interactive").text
        assert interactive in found and plain not in found
        assert client.get("/courses?page=0").status_code == 400


def test_exam_then_choice_then_account_and_certificate(settings: Settings) -> None:
    ref = make_course(settings, True, points=1)
    with app_client(settings) as client:
        assert "Sign in</a> to take the exam" in client.get(f"/courses/{ref}").text
        register(client)
        page = client.get(f"/courses/{ref}").text
        ids = re.findall(r'name="q(\d+)"', page)
        assert len(set(ids)) == 5 and "checked" not in page  # nothing gives the answer away
        csrf = TOKEN.search(page).group(1)  # type: ignore[union-attr]
        wrong = {f"q{qid}": str((i + 1) % 3) for i, qid in enumerate(dict.fromkeys(ids))}
        failed = client.post(f"/courses/{ref}/exam", data={"csrf_token": csrf, **wrong})
        assert failed.status_code == 200 and "Not passed: you scored 0 out of 5" in failed.text
        right = {f"q{qid}": str(i % 3) for i, qid in enumerate(dict.fromkeys(ids))}
        passed = client.post(f"/courses/{ref}/exam", data={"csrf_token": csrf, **right},
                             follow_redirects=False)  # fmt: skip
        assert passed.status_code == 303
        choice_page = client.get(passed.headers["location"]).text
        assert "You passed the exam: 5 out of 5" in choice_page
        assert "not complete until you choose" in choice_page and "This is final" in choice_page
        assert "30 December" in choice_page and "14 days" in choice_page
        assert "<body data-live>" in choice_page  # follows the completion over /ws while open
        cid = passed.headers["location"].split("/")[-1].split("?")[0]
        chosen = client.post(f"/account/completions/{cid}/choice",
                             data={"csrf_token": csrf, "mode": "non_interactive"})  # fmt: skip
        assert chosen.status_code == 200 and "Completed (non-interactive)" in chosen.text
        assert "data-live" not in chosen.text
        again = client.post(f"/account/completions/{cid}/choice",
                            data={"csrf_token": csrf, "mode": "interactive"})  # fmt: skip
        assert again.status_code == 409 and "already chosen" in again.text
        account = client.get("/account").text
        assert "Completed (non-interactive)" in account and "1 non-interactive" in account
        assert 'class="badge new"' not in account  # marked read when first shown (on choosing)
        assert client.get("/api/notifications").json()["unread"] == 0
        pdf = client.get(f"/api/completions/{cid}/certificate")
        assert pdf.content.startswith(b"%PDF")


def test_unknown_pages_and_other_peoples_completions_are_404_pages(settings: Settings) -> None:
    ref = make_course(settings, False)
    with app_client(settings) as client:
        register(client)
        cid = client.post(f"/api/courses/{ref}/attempts", json={"answers": {}}).json()
        assert cid["completion"] is None
        missing = client.get("/courses/C-00000")
        assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
        assert client.get("/account/completions/987654").status_code == 404
        assert client.get("/no-such-page").status_code == 404
        assert client.get("/static/site.css").status_code == 200


def test_sign_in_only_sends_you_on_to_this_site() -> None:
    from web.pages.registration import safe_next

    assert safe_next("/courses/C-10421?x=1") == "/courses/C-10421?x=1"
    for bad in ("//evil.test", "/\\evil.test", "https://evil.test", "evil", "/a\\b", "/\nx", None):
        assert safe_next(bad) == "/account"


def test_a_discussion_link_signed_out_asks_to_sign_in_and_comes_back(settings: Settings) -> None:
    """The "paired" email's link, opened signed out, leads to the sign-in form and then
    back to the room (not to the catalogue)."""
    with app_client(settings) as client:
        answer = client.get("/discussions/7", follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            "/signin?next=/discussions/7",
        )
