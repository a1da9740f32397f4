"""A certificate's PDF as a download, for the signed-in registrant (the API) and for
whoever holds the emailed link (the pages)."""

from __future__ import annotations

from starlette.responses import Response

from peercet.core.db import transaction
from peercet.core.tables import Completion
from peercet.goc import certificates
from peercet.goc.certificate_pdf import render_pdf
from web.resources import Resources


async def certificate_pdf(res: Resources, completion: Completion) -> Response:
    """The PDF, its certificate issued on first download (409 open or revoked)."""
    async with transaction(res.sessions) as session:
        cert = await certificates.for_download(session, completion, res.clock.now(), res.settings)
    return Response(
        render_pdf(cert),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{certificates.filename(cert)}"'},
    )
