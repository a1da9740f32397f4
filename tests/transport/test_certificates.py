"""Certificates over HTTP, on both databases: the emailed signed link (no sign-in,
expiring), the verification link and QR code printed on each certificate (a stored
random code: valid through key rotations, the old key removed included), the page that
shows the facts or says plainly that a certificate is unknown or revoked, and a
moderator's revocation (audited)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.testclient import TestClient

from peercet.completions import links
from peercet.core.clock import FixedClock
from peercet.core.db import transaction
from peercet.core.errors import Conflict
from peercet.core.settings import Settings, load_settings
from peercet.core.tables import AuditEntry, Completion, OutgoingEmail, Registrant
from peercet.core.tables import Certificate as CertificateRow
from peercet.goc import certificates, verification
from tests.support import factories as f
from tests.support.live import cookie
from tests.support.pdfs import link_uris, qr_codes, text_of
from tests.support.web_helpers import (
    app_client,
    error_code,
    make_course,
    pass_exam,
    register,
    run_db,
)
from web.auth import COOKIE

LINK = re.compile(r"http://127\.0\.0\.1:8000(/certificates/[A-Za-z0-9_.\-]+\.pdf)")
VERIFY = re.compile(r"^http://127\.0\.0\.1:8000(/verify/[A-Z2-9]{4}(-[A-Z2-9]{4}){3})$")
PROVIDED = {"provider_name": "Acme Optical CET", "provider_goc_id": "P-54321"}


def emailed_link(settings: Settings) -> str:
    async def bodies(session: AsyncSession) -> list[str]:
        rows = await session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id))
        return [e.text_body + e.html_body for e in rows]

    [body] = run_db(settings.database_url, bodies)
    found = LINK.search(body)
    assert found is not None, body
    return found.group(1)


def completed(client: TestClient, settings: Settings, **person: Any) -> tuple[str, int]:
    """A registrant signed in on `client` who completed a non-interactive course."""
    ref = make_course(settings, False, title="Myopia management", points=2)
    register(client, **person)
    return ref, pass_exam(client, ref)["id"]


def verify_path(pdf: bytes) -> str:
    [uri] = link_uris(pdf)
    found = VERIFY.match(uri)
    assert found is not None, uri
    return found.group(1)


def test_the_emailed_link_downloads_without_signing_in_until_it_expires(
    settings: Settings,
) -> None:
    clock = FixedClock(f.T0)
    with app_client(settings, clock) as client:
        ref, cid = completed(client, settings, name="Noor Ḥaddād 王 محمد")
        link = emailed_link(settings)
        client.cookies.clear()
        response = client.get(link)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        text = text_of(response.content)
        assert ref in text and "Noor Ḥaddād" in text and "محمد" in text and "王" in text
        assert f"certificate-{ref}-{cid}.pdf" in response.headers["content-disposition"]
        clock.advance(timedelta(seconds=links.DOWNLOAD_MAX_AGE + 1))
        expired = client.get(link)
        assert expired.status_code == 404 and "expired" in expired.text


def test_a_tampered_or_foreign_download_link_is_refused(settings: Settings) -> None:
    with app_client(settings) as client:
        completed(client, settings)
        session_cookie = client.cookies[COOKIE]
        link = emailed_link(settings)
        client.cookies.clear()
        token = link.removeprefix("/certificates/").removesuffix(".pdf")
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), session_cookie, "x"):
            assert client.get(f"/certificates/{bad}.pdf").status_code == 404
        other_keys = replace(settings, secret_keys=["someone-elses-key"])
    with app_client(other_keys) as client:
        assert client.get(link).status_code == 404


def test_the_certificate_and_its_verification_page_state_every_fact(
    settings: Settings, tmp_path: Path
) -> None:
    settings = replace(settings, **PROVIDED)
    with app_client(settings) as client:
        ref, cid = completed(client, settings, name="Siân Łukasz", goc_number="01-77777")
        run_db(settings.database_url, lambda session: f.reprice(session, ref, 3))  # awarded 2
        pdf = client.get(f"/api/completions/{cid}/certificate").content
        path = verify_path(pdf)
        assert qr_codes(pdf, tmp_path) == [f"http://127.0.0.1:8000{path}"]
        text = " ".join(text_of(pdf).split())
        facts = [
            "Siân Łukasz", "01-77777", "Optometrist", ref, "Myopia management",
            "Communication", "2 non-interactive CET points", "2 March 2026", "CET year 2026",
            "2025-2027", "Acme Optical CET", "P-54321",
        ]  # fmt: skip
        assert all(fact in text for fact in facts), text
        assert "Issued on 2 March 2026" in text
        client.cookies.clear()  # anyone may check
        page = client.get(path)
        assert page.status_code == 200 and "This certificate is genuine" in page.text
        assert all(fact in page.text for fact in facts), page.text
        assert "Issued on</dt><dd>02 March 2026" in page.text
        assert path.removeprefix("/verify/") in page.text


def test_an_unknown_code_says_so_plainly(settings: Settings) -> None:
    with app_client(settings) as client:
        _, cid = completed(client, settings)
        path = verify_path(client.get(f"/api/completions/{cid}/certificate").content)
        code = path.removeprefix("/verify/")
        other = "A" if code[-1] != "A" else "B"
        download = emailed_link(settings).removeprefix("/certificates/").removesuffix(".pdf")
        for bad in (code[:-1] + other, "x", "A" * 5000, download, "%00", "é"):
            page = client.get(f"/verify/{bad}")
            assert page.status_code == 404 and "Unknown certificate" in page.text, bad
        typed = client.get("/verify/" + code.lower().replace("-", ""))  # as typed from paper
        assert typed.status_code == 200 and "genuine" in typed.text


def test_a_certificate_is_issued_once_with_one_code_and_date(settings: Settings) -> None:
    clock = FixedClock(f.T0)
    with app_client(settings, clock) as client:
        _, cid = completed(client, settings)
        first = client.get(f"/api/completions/{cid}/certificate").content
        clock.advance(timedelta(days=10))  # (within the session)
        again = client.get(f"/api/completions/{cid}/certificate").content
        assert verify_path(first) == verify_path(again)
        assert "Issued on 2 March 2026" in " ".join(text_of(again).split())


def test_verification_survives_key_rotation_and_the_old_key_removed(settings: Settings) -> None:
    """A certificate issued under key-1 verifies with key-2 first, and with key-1 gone.
    A link printed before stored codes (signed) verifies while its key is listed."""
    old = replace(settings, secret_keys=["key-1"])
    with app_client(old) as client:
        _, cid = completed(client, old)
        path = verify_path(client.get(f"/api/completions/{cid}/certificate").content)
    legacy = f"/verify/{links.verify_token(['key-1'], cid)}"
    for keys in (["key-2", "key-1"], ["key-2"]):
        with app_client(replace(settings, secret_keys=keys)) as anyone:
            page = anyone.get(path)
            assert page.status_code == 200 and "This certificate is genuine" in page.text
            old_link = anyone.get(legacy)
            if "key-1" in keys:
                assert (
                    old_link.status_code == 200 and path.removeprefix("/verify/") in old_link.text
                )
            else:
                assert old_link.status_code == 404


def test_an_open_completion_has_no_certificate(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        response = client.get(f"/api/completions/{cid}/certificate")
        assert response.status_code == 409 and error_code(response) == "not_completed"
        token = links.verify_token(settings.secret_keys, cid)
        assert client.get(f"/verify/{token}").status_code == 404


def _moderator(settings: Settings) -> int:
    async def work(session: AsyncSession) -> int:
        return (await f.registrant(session, role="moderator")).id

    return run_db(settings.database_url, work)


def test_a_moderator_revokes_a_certificate_and_the_page_says_so(settings: Settings) -> None:
    mod = {"Cookie": cookie(settings, _moderator(settings), FixedClock(f.T0))}
    with app_client(settings) as client:
        _, cid = completed(client, settings)
        mine = client.cookies[COOKIE]
        path = verify_path(client.get(f"/api/completions/{cid}/certificate").content)
        revoke = f"/api/moderation/completions/{cid}/certificate/revoke"
        assert client.post(revoke, json={"reason": "mine"}).status_code == 403  # a registrant
        client.cookies.clear()
        assert client.post(revoke, json={"reason": "x"}).status_code == 401
        for bad in ({}, {"reason": "  "}, {"reason": ["x"]}, {"reason": "x" * 2001}):
            assert client.post(revoke, json=bad, headers=mod).status_code == 400
        assert client.post(revoke.replace(str(cid), "999999"), json={"reason": "x"},
                           headers=mod).status_code == 404  # fmt: skip
        done = client.post(revoke, json={"reason": "awarded in error"}, headers=mod)
        assert done.status_code == 200, done.text
        assert done.json()["verify_url"].endswith(path) and done.json()["revoked_at"]
        again = client.post(revoke, json={"reason": "twice"}, headers=mod)
        assert again.status_code == 409 and error_code(again) == "already_revoked"
        page = client.get(path)
        assert page.status_code == 410 and "This certificate has been revoked" in page.text
        assert "genuine" not in page.text and "awarded in error" not in page.text
        by_email = client.get(emailed_link(settings))
        assert by_email.status_code == 410 and "has been revoked" in by_email.text
        client.cookies.set(COOKIE, mine)
        refused = client.get(f"/api/completions/{cid}/certificate")
        assert refused.status_code == 409 and error_code(refused) == "certificate_revoked"

    async def audited(session: AsyncSession) -> list[tuple[str, str, str]]:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "revoke_certificate")
        )
        return [(e.actor, e.subject, e.reason) for e in rows]

    [(actor, subject, reason)] = run_db(settings.database_url, audited)
    assert actor.startswith("moderator:") and subject == f"completion:{cid}"
    assert reason == "awarded in error"


def test_an_open_completion_cannot_be_revoked(settings: Settings) -> None:
    mod = {"Cookie": cookie(settings, _moderator(settings), FixedClock(f.T0))}
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        revoke = f"/api/moderation/completions/{cid}/certificate/revoke"
        response = client.post(revoke, json={"reason": "x"}, headers=mod)
        assert response.status_code == 409 and error_code(response) == "not_completed"


def test_the_provider_comes_from_the_environment() -> None:
    env = {"SECRET_KEYS": "k", "PROVIDER_NAME": "Acme", "PROVIDER_GOC_ID": "P-1"}
    loaded = load_settings(env)
    assert (loaded.provider_name, loaded.provider_goc_id) == ("Acme", "P-1")
    assert load_settings({"SECRET_KEYS": "k"}).provider_goc_id  # a demo default


def test_codes_are_typed_back_whatever_the_case() -> None:
    code = verification.new_code()
    assert verification.normalise(verification.display(code).lower()) == code


async def test_first_downloads_and_revocations_at_once_make_one_of_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Three first downloads at once issue one certificate (one code); two moderators
    revoking at once: one revokes, the other is told it already is."""
    async with transaction(sessions) as session:
        course = await f.course(session, interactive=False)
        done = await f.completion(session, await f.registrant(session), course)
        moderators = [await f.registrant(session, role="moderator") for _ in range(2)]

    async def download() -> str:
        async with transaction(sessions) as session:
            completion = await session.get_one(Completion, done.id)
            return (await certificates.issue(session, completion, f.T0)).code

    async def revoke(moderator: Registrant) -> str:
        try:
            async with transaction(sessions) as session:
                await certificates.revoke(session, moderator, done.id, "in error", f.T0)
        except Conflict as exc:
            return exc.code
        return "revoked"

    codes = await asyncio.gather(download(), download(), download())
    assert len(set(codes)) == 1
    outcomes = await asyncio.gather(*(revoke(m) for m in moderators))
    assert sorted(outcomes) == ["already_revoked", "revoked"]
    async with sessions() as session:
        rows = (await session.scalars(select(CertificateRow))).all()
    assert [(r.code, r.revoke_reason) for r in rows] == [(codes[0], "in error")]
