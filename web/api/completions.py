"""A registrant's completions: list, one, the choice, the certificate; notifications.

Another registrant's completion is 404 (`unknown_completion`): its existence is
not revealed, nor anything in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from discussion.opening import pair_deadlines
from peercet.completions import actions as completions
from peercet.completions import guidance, own
from peercet.completions.choosing import choose_own, mode_of
from peercet.completions.frames import CompletionDetail, CompletionWithNotices, completion_frame
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.tables import Completion, Course, PointRecord
from peercet.notify import inbox
from web.auth import require_registrant
from web.downloads import certificate_pdf
from web.fields import Id
from web.http import Body, path_int, read_body
from web.resources import Resources, resources
from web.schemas import Choice
from web.units import commit

MAX_IDS = 500  # one statement's bound parameters stay far below the databases' limits


class ReadNotes(Body):
    """`{ids: [...]}`; without `ids`, every notification."""

    ids: Annotated[list[Id], Field(max_length=MAX_IDS)] | None = None


def detail_frame(
    res: Resources,
    completion: Completion,
    course: Course,
    award: PointRecord | None,
    closes_at: datetime | None = None,
) -> CompletionDetail:
    """The API's completion with what the registrant must do next (in a discussion, by
    its `closes_at`, the pair's earlier deadline, also given as `closes_at`)."""
    tz = res.settings.timezone
    step = guidance.next_step(
        State(completion.state), closes_at or completion.deadline, completion.uploaded_at,
        completion.cet_year, tz,
    )  # fmt: skip
    closes = None if closes_at is None else closes_at.isoformat()
    return {**completion_frame(completion, course, award), "next_step": step, "closes_at": closes}


async def list_completions(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    async with res.sessions() as session:
        rows = await own.completions_of(session, who.id)
        awards = await completions.awards_of(session, [c.id for c, _ in rows])
        closing = await pair_deadlines(session, [c for c, _ in rows])
    frames = [
        detail_frame(res, c, course, awards.get(c.id), closing.get(c.id)) for c, course in rows
    ]
    return JSONResponse({"completions": frames})


async def get_completion(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    async with res.sessions() as session:
        completion, course = await own.own_completion(session, who.id, path_int(request, "id"))
        award = await completions.award_of(session, completion.id)
        notes = await inbox.notifications_of(session, who.id, completion.id)
        closing = await pair_deadlines(session, [completion])
    frame: CompletionWithNotices = {
        **detail_frame(res, completion, course, award, closing.get(completion.id)),
        "notifications": [inbox.notification_frame(n) for n in notes],
    }
    return JSONResponse(frame)


async def post_choice(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    mode = mode_of((await read_body(request, Choice)).mode)
    cid, now = path_int(request, "id"), res.clock.now()
    chosen = await commit(
        res, lambda session: choose_own(session, who.id, cid, mode, now, res.context)
    )
    return JSONResponse(detail_frame(res, chosen.completion, chosen.course, chosen.award))


async def get_certificate(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    async with res.sessions() as session:
        completion, _ = await own.own_completion(session, who.id, path_int(request, "id"))
    return await certificate_pdf(res, completion)


async def list_notifications(request: Request) -> Response:
    who = await require_registrant(request)
    async with resources(request).sessions() as session:
        notes = await inbox.notifications_of(session, who.id)
    frames = [inbox.notification_frame(n) for n in notes]
    unread = sum(1 for f in frames if not f["read"])
    return JSONResponse({"notifications": frames, "unread": unread})


async def read_notifications(request: Request) -> Response:
    """Mark notifications read: `{ids: [...]}`, or every one when `ids` is absent."""
    who = await require_registrant(request)
    res = resources(request)
    empty = request.headers.get("content-length", "0") == "0"
    ids = None if empty else (await read_body(request, ReadNotes)).ids
    async with transaction(res.sessions) as session:
        count = await inbox.mark_read(session, who.id, ids, res.clock.now())
    return JSONResponse({"read": count})


routes = [
    Route("/api/completions", list_completions, methods=["GET"]),
    Route("/api/completions/{id}", get_completion, methods=["GET"]),
    Route("/api/completions/{id}/choice", post_choice, methods=["POST"]),
    Route("/api/completions/{id}/certificate", get_certificate, methods=["GET"]),
    Route("/api/notifications", list_notifications, methods=["GET"]),
    Route("/api/notifications/read", read_notifications, methods=["POST"]),
]
