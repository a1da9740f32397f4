"""Certificates without signing in: the emailed download link and the verification page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from peercet.core.db import transaction
from peercet.core.errors import Conflict, NotFound
from peercet.core.tables import Certificate as CertificateRow
from peercet.goc import certificates
from web.downloads import certificate_pdf
from web.http import path_text
from web.resources import Resources, resources
from web.templating import render


async def signed_certificate(request: Request) -> Response:
    """GET /certificates/{token}.pdf: the PDF, for whoever holds the unexpired link."""
    res = resources(request)
    keys, token = res.settings.secret_keys, path_text(request, "token")
    async with res.sessions() as session:
        completion = await certificates.by_download_link(session, keys, token, res.clock)
    if completion is None:
        context = {"problem": "This certificate link is not valid, or it has expired."}
        return await render(request, "certificate_link.html", context, 404)
    try:
        return await certificate_pdf(res, completion)
    except Conflict as exc:
        if exc.code != "certificate_revoked":
            raise
        revoked = {"problem": "This certificate has been revoked by the provider.", "revoked": True}
        return await render(request, "certificate_link.html", revoked, 410)


async def _legacy(res: Resources, token: str) -> CertificateRow | None:
    async with transaction(res.sessions) as session:
        return await certificates.by_legacy_link(
            session, res.settings.secret_keys, token, res.clock.now()
        )


async def verify(request: Request) -> Response:
    """GET /verify/{code}: the certificate's facts when genuine (200), plainly revoked
    (410) or unknown (404)."""
    res = resources(request)
    try:
        token = path_text(request, "code")
    except NotFound:  # a code that could not even be stored is simply unknown
        return await render(request, "verify.html", {"cert": None}, 404)
    async with res.sessions() as session:
        row = await certificates.by_code(session, token)
    row = row or await _legacy(res, token)
    if row is None:
        return await render(request, "verify.html", {"cert": None}, 404)
    async with res.sessions() as session:
        cert = await certificates.facts(session, row, res.settings)
    return await render(request, "verify.html", {"cert": cert}, 410 if cert.revoked_on else 200)


routes = [
    Route("/certificates/{token}.pdf", signed_certificate, methods=["GET"]),
    Route("/verify/{code}", verify, methods=["GET"]),
]
