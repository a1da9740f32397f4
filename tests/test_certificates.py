"""Certificates: the emailed signed link (no sign-in, expiring) and the verification link
printed on each certificate (genuine, or refused when tampered with)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet import links
from peercet.clock import FixedClock
from peercet.settings import Settings
from peercet.tables import OutgoingEmail
from tests import factories as f
from tests.web_helpers import app_client, make_course, pass_exam, register, run_db
from web.auth import COOKIE

LINK = re.compile(r"http://127\.0\.0\.1:8000(/certificates/[A-Za-z0-9_.\-]+\.pdf)")


def emailed_link(settings: Settings) -> str:
    async def bodies(session: AsyncSession) -> list[str]:
        rows = await session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id))
        return [e.text_body + e.html_body for e in rows]

    [body] = run_db(settings.database_url, bodies)
    found = LINK.search(body)
    assert found is not None, body
    return found.group(1)


def test_the_emailed_link_downloads_without_signing_in_until_it_expires(
    settings: Settings,
) -> None:
    ref = make_course(settings, False)
    clock = FixedClock(f.T0)
    with app_client(settings, clock) as client:
        register(client, name="Noor Ḥaddād")
        cid = pass_exam(client, ref)["id"]
        link = emailed_link(settings)
        client.cookies.clear()
        response = client.get(link)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert ref.encode() in response.content
        assert f"certificate-{ref}-{cid}.pdf" in response.headers["content-disposition"]
        clock.advance(timedelta(seconds=links.DOWNLOAD_MAX_AGE + 1))
        expired = client.get(link)
        assert expired.status_code == 404 and "expired" in expired.text


def test_a_tampered_or_foreign_download_link_is_refused(settings: Settings) -> None:
    ref = make_course(settings, False)
    with app_client(settings) as client:
        register(client)
        pass_exam(client, ref)
        session_cookie = client.cookies[COOKIE]
        link = emailed_link(settings)
        client.cookies.clear()
        token = link.removeprefix("/certificates/").removesuffix(".pdf")
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), session_cookie, "x"):
            assert client.get(f"/certificates/{bad}.pdf").status_code == 404
        other_keys = replace(settings, secret_keys=["someone-elses-key"])
    with app_client(other_keys) as client:
        assert client.get(link).status_code == 404


def test_the_verification_link_on_the_certificate_shows_it_is_genuine(
    settings: Settings,
) -> None:
    ref = make_course(settings, True, title="Myopia management", points=2)
    with app_client(settings) as client:
        register(client, name="Siân Łukasz", goc_number="01-77777")
        cid = pass_exam(client, ref)["id"]
        client.post(f"/api/completions/{cid}/choice", json={"mode": "non_interactive"})
        run_db(settings.database_url, lambda session: f.reprice(session, ref, 3))  # awarded 2
        pdf = client.get(f"/api/completions/{cid}/certificate").content
        found = re.search(rb"/URI \(http://127\.0\.0\.1:8000(/verify/[^)]+)\)", pdf)
        assert found is not None
        path = found.group(1).decode()
        client.cookies.clear()  # anyone may check
        page = client.get(path)
        assert page.status_code == 200 and "This certificate is genuine" in page.text
        for shown in ("Siân Łukasz", "01-77777", ref, "Myopia management", "2 non-interactive"):
            assert shown in page.text
        tampered = client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
        assert tampered.status_code == 404 and "Not a genuine certificate" in tampered.text
        download = client.get(emailed_link(settings))  # a download token is not a verify token
        token = emailed_link(settings).removeprefix("/certificates/").removesuffix(".pdf")
        assert download.status_code == 200
        assert client.get(f"/verify/{token}").status_code == 404


def test_an_open_completion_has_no_genuine_certificate(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        token = links.verify_token(settings.secret_keys, cid)
        assert client.get(f"/verify/{token}").status_code == 404


def test_tokens_survive_key_rotation() -> None:
    clock = FixedClock(f.T0)
    token = links.download_token(["old"], 7, clock)
    assert links.read_download_token(["new", "old"], token, clock) == 7
    assert links.read_download_token(["new"], token, clock) is None
    verify = links.verify_token(["old"], 7)
    assert links.read_verify_token(["new", "old"], verify) == 7
    assert links.read_verify_token(["old"], token) is None  # salts keep uses apart
