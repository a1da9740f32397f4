"""A registrant's completions: list, one, the choice, the certificate; notifications.

Another registrant's completion is 404 (`unknown_completion`): its existence is
not revealed, nor anything in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from discussion.opening import pair_deadlines
from peercet.completions import actions as completions
from peercet.completions import guidance, own
from peercet.completions.frames import CompletionDetail, CompletionWithNotices, completion_frame
from peercet.completions.lifecycle import InvalidTransition, Mode, State
from peercet.core.db import transaction
from peercet.core.errors import BadInput, Conflict
from peercet.core.tables import Completion, Course, PointRecord, Registrant
from peercet.goc import certificates
from peercet.goc.certificate_pdf import render_pdf
from peercet.notify import inbox
from web.auth import require_registrant
from web.fields import Id, Text
from web.http import Body, path_int, read_body
from web.resources import Resources, resources

MAX_IDS = 500  # one statement's bound parameters stay far below the databases' limits


class Choice(Body):
    error_code = "bad_mode"
    mode: Text | None = None


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


def parse_mode(value: Any) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise BadInput("'mode' must be interactive or non_interactive", "bad_mode") from None


async def make_choice(
    res: Resources, who: Registrant, completion_id: int, mode: Mode
) -> tuple[Completion, Course, PointRecord | None]:
    """The choice in one transaction, then its effects (matching's queue, events)."""
    try:
        async with transaction(res.sessions) as session:
            completion, course = await own.own_completion(session, who.id, completion_id)
            outcome = await completions.choose(session, completion, course, mode, res.clock.now())
            award = await completions.award_of(session, completion.id)
    except InvalidTransition as exc:
        raise Conflict(f"you have already chosen: {exc}", "already_chosen") from None
    await res.effects(outcome)
    return completion, course, award


async def post_choice(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    mode = parse_mode((await read_body(request, Choice)).mode)
    completion, course, award = await make_choice(res, who, path_int(request, "id"), mode)
    return JSONResponse(detail_frame(res, completion, course, award))


async def certificate_pdf(res: Resources, completion: Completion) -> Response:
    """The PDF, its certificate issued on first download (409 open or revoked)."""
    async with transaction(res.sessions) as session:
        cert = await certificates.for_download(session, completion, res.clock.now())
    return Response(
        render_pdf(cert),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{certificates.filename(cert)}"'},
    )


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
