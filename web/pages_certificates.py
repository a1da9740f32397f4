"""Certificates without signing in: the emailed download link and the verification page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from peercet import certificates, links
from peercet.lifecycle import COMPLETED_STATES, State
from peercet.tables import Completion
from web.api_completions import certificate_pdf
from web.http import path_text
from web.resources import resources
from web.templating import render


async def signed_certificate(request: Request) -> Response:
    """GET /certificates/{token}.pdf: the PDF, for whoever holds the unexpired link."""
    res = resources(request)
    keys = res.settings.secret_keys
    cid = links.read_download_token(keys, path_text(request, "token"), res.clock)
    async with res.sessions() as session:
        completion = None if cid is None else await session.get(Completion, cid)
    if completion is None:
        context = {"problem": "This certificate link is not valid, or it has expired."}
        return await render(request, "certificate_link.html", context, 404)
    return await certificate_pdf(res, completion)


async def verify(request: Request) -> Response:
    """GET /verify/{token}: shows a certificate is genuine; a tampered token is refused."""
    res = resources(request)
    cid = links.read_verify_token(res.settings.secret_keys, path_text(request, "token"))
    cert = None
    async with res.sessions() as session:
        completion = None if cid is None else await session.get(Completion, cid)
        if completion is not None and State(completion.state) in COMPLETED_STATES:
            cert = await certificates.load(session, completion, res.settings.timezone)
    if cert is None:
        return await render(request, "verify.html", {"cert": None}, 404)
    return await render(request, "verify.html", {"cert": cert})


routes = [
    Route("/certificates/{token}.pdf", signed_certificate, methods=["GET"]),
    Route("/verify/{token}", verify, methods=["GET"]),
]
