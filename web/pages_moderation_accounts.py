"""The moderator console's accounts page: find accounts (those sharing a GOC number
first), correct a number, disable or re-enable. The changes go through the JSON API
(web/api_moderation_accounts.py) from web/static/moderation_accounts.js."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from peercet import registrant_moderation
from web.auth import require_moderator
from web.resources import resources
from web.templating import render


async def accounts(request: Request) -> Response:
    await require_moderator(request)
    q = request.query_params.get("q", "")[:200]
    flagged = request.query_params.get("flagged", "") in ("true", "1", "on")
    async with resources(request).sessions() as session:
        found = await registrant_moderation.find(session, q, flagged)
    found.sort(key=lambda r: not r["goc_number_shared"])  # what needs sorting out first
    context = {"registrants": found, "q": q, "flagged": flagged}
    return await render(request, "moderation_accounts.html", context)


routes = [Route("/moderation/accounts", accounts, methods=["GET"])]
