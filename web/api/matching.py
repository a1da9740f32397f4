"""Invitations and the waiting view: thin endpoints over `matching/`.

POST   /api/completions/{id}/invitations                  {email} | {goc_number} -> 201
DELETE /api/completions/{id}/invitations/{invitation_id}  -> 204, back to the queue
GET    /api/completions/{id}/waiting                      -> {waiting_since, others_waiting, ...}
GET    /completions/{id}/waiting                          -> the waiting page (live on /ws)
GET    /api/invitations                                   -> {invitations: [...]} naming me
POST   /api/invitations/{invitation_id}/accept            -> 200 {invitation, discussion_id}
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from matching import answering
from matching.invitations import cancel_from, invitation_frame, invite_from, parse_target
from matching.waiting import Waiting, own_waiting
from peercet.core.db import transaction
from web.auth import require_registrant
from web.fields import Text
from web.http import Body, path_int, read_body
from web.resources import resources
from web.templating import render
from web.units import commit


class Invite(Body):
    """`{email}` or `{goc_number}`; matching.invitations.parse_target judges which."""

    email: Text | None = None
    goc_number: Text | None = None


async def create_invitation(request: Request) -> Response:
    res = resources(request)
    who = await require_registrant(request)
    target = parse_target((await read_body(request, Invite)).model_dump())
    cid, now = path_int(request, "completion_id"), res.clock.now()
    invited = await commit(
        res, lambda session: invite_from(session, who, cid, target, now, res.context)
    )
    return JSONResponse(invitation_frame(invited.invitation), status_code=201)


async def delete_invitation(request: Request) -> Response:
    res = resources(request)
    who = await require_registrant(request)
    cid, invitation_id = path_int(request, "completion_id"), path_int(request, "invitation_id")
    async with transaction(res.sessions) as session:
        aftermath = await cancel_from(session, who, cid, invitation_id, res.clock.now())
    await res.effects(aftermath)
    return Response(status_code=204)


async def my_invitations(request: Request) -> Response:
    res = resources(request)
    who = await require_registrant(request)
    async with res.sessions() as session:
        standing = await answering.standing_for(session, who, res.clock.now())
    return JSONResponse({"invitations": standing})


async def accept_invitation(request: Request) -> Response:
    res = resources(request)
    who = await require_registrant(request)
    invitation_id = path_int(request, "invitation_id")
    async with transaction(res.sessions) as session:
        now = res.clock.now()
        invitation, mine, aftermath = await answering.accept(
            session, who, invitation_id, now, res.context
        )
        answer = {"invitation": invitation_frame(invitation), "discussion_id": mine.discussion_id}
    await res.effects(aftermath)
    return JSONResponse(answer)


async def _waiting(request: Request) -> Waiting:
    res = resources(request)
    who = await require_registrant(request)
    cid = path_int(request, "completion_id")
    async with res.sessions() as session:
        return await own_waiting(session, who.id, cid, res.clock.now())


async def waiting(request: Request) -> Response:
    return JSONResponse((await _waiting(request)).view)


async def waiting_page(request: Request) -> Response:
    found = await _waiting(request)
    view = found.view
    closes = datetime.fromisoformat(view["closes_at"]) if view["closes_at"] else None
    context = {"view": view, "c": found.completion, "course": found.course, "live": True,
               "closes": closes}  # fmt: skip
    return await render(request, "waiting.html", context)


routes = [
    Route("/api/completions/{completion_id}/invitations", create_invitation, methods=["POST"]),
    Route(
        "/api/completions/{completion_id}/invitations/{invitation_id}",
        delete_invitation,
        methods=["DELETE"],
    ),
    Route("/api/completions/{completion_id}/waiting", waiting, methods=["GET"]),
    Route("/api/invitations", my_invitations, methods=["GET"]),
    Route("/api/invitations/{invitation_id}/accept", accept_invitation, methods=["POST"]),
    Route("/completions/{completion_id}/waiting", waiting_page, methods=["GET"]),
]
