"""The discussion page: the shell that discussion.js fills over the API and /ws.

Rendered like every page (web.templating.render, base.html); who may see it is decided
where the API decides it (discussion.reads.authorise).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from discussion import reads
from discussion.opening import closing_time
from web.auth import require_registrant
from web.http import path_int
from web.resources import resources
from web.templating import render


async def page(request: Request) -> Response:
    registrant = await require_registrant(request)  # signed out: to /signin, then back here
    res = resources(request)
    async with res.sessions() as session:
        access = await reads.authorise(session, registrant, path_int(request, "id"))
        closes_at = await closing_time(session, access.discussion_id)
    context = {
        "discussion_id": access.discussion_id, "role": access.role,
        "closes_at": closes_at, "tz": res.settings.timezone,
    }  # fmt: skip
    return await render(request, "discussion.html", context)


routes = [Route("/discussions/{id}", page, methods=["GET"])]
