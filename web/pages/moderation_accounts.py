"""The moderator console's accounts page: find accounts (those sharing a GOC number
first), correct a number, disable or re-enable. The changes go through the JSON API
(web/api/moderation_accounts.py) from web/static/moderation_accounts.js."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from peercet.accounts import moderation as registrant_moderation
from peercet.accounts.moderation import MAX_QUERY
from web.auth import require_moderator
from web.fields import Flag, Text
from web.http import Query, read_query
from web.resources import resources
from web.templating import render


class Listing(Query):
    """The page's search form: as the API's, a longer `q` cut rather than refused."""

    q: Text = ""
    flagged: Flag = False


async def accounts(request: Request) -> Response:
    await require_moderator(request)
    asked = read_query(request, Listing)
    q, flagged = asked.q[:MAX_QUERY], asked.flagged  # a longer search is cut, not refused
    async with resources(request).sessions() as session:
        found = await registrant_moderation.find(session, q, flagged)
    found.sort(key=lambda r: not r["goc_number_shared"])  # what needs sorting out first
    context = {"registrants": found, "q": q, "flagged": flagged}
    return await render(request, "moderation_accounts.html", context)


routes = [Route("/moderation/accounts", accounts, methods=["GET"])]
