"""The discussion endpoints of API.md (the page itself is web.pages.discussion).

Thin: authorise (discussion.reads.authorise, the one place that decides), open a
short transaction, call one action, commit, then publish.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from discussion import actions, reads
from discussion.reporting import file_report
from peercet.completions.lifecycle import DiscussionState
from peercet.core.db import transaction
from peercet.core.tables import Registrant
from web.auth import require_registrant
from web.fields import Id, Prose, Remark, Whole
from web.http import Body, Query, path_int, read_body, read_query
from web.resources import resources
from web.ws.live import Live


class Page(Query):
    """`after` a seq; `limit` is brought within 1 to MESSAGES_MAX."""

    after: Whole = 0
    limit: Whole = reads.MESSAGES_DEFAULT


class Validation(Body):
    """A validation needs its `reflection`; a dispute (`peer_took_part: false`) its
    `reason`, and then the reflection is optional (blank is missing)."""

    peer_took_part: bool
    reflection: Remark = Field("", validate_default=True)
    reason: Remark = Field("", validate_default=True)

    @field_validator("reflection", "reason")
    @classmethod
    def _needed(cls, value: str, info: ValidationInfo) -> str:
        took_part = info.data.get("peer_took_part")
        needed = "reflection" if took_part else "reason"
        if info.field_name == needed and not value:
            when = "true" if took_part else "false"
            raise PydanticCustomError("needed", f"is required when `peer_took_part` is {when}")
        return value


class ReportBody(Body):
    reason: Prose
    seq: Id | None = None


async def _access(request: Request) -> tuple[Registrant, reads.Access]:
    registrant = await require_registrant(request)
    async with resources(request).sessions() as session:
        access = await reads.authorise(session, registrant, path_int(request, "id"))
    return registrant, access


async def get_discussion(request: Request) -> Response:
    _, access = await _access(request)
    async with resources(request).sessions() as session:
        return JSONResponse(await reads.discussion_view(session, access.discussion_id))


async def get_messages(request: Request) -> Response:
    _, access = await _access(request)
    page = read_query(request, Page)
    after, limit = page.after, max(1, min(reads.MESSAGES_MAX, page.limit))
    async with resources(request).sessions() as session:
        messages = await reads.messages_after(session, access.discussion_id, after, limit)
    return JSONResponse({"messages": messages})


async def post_validation(request: Request) -> Response:
    registrant, access = await _access(request)
    access.require_validator()
    body = await read_body(request, Validation)
    peer_took_part, reflection, reason = body.peer_took_part, body.reflection, body.reason
    res = resources(request)
    async with transaction(res.sessions) as session:
        aftermath = await actions.validate(
            session, registrant.id, access.discussion_id, peer_took_part, reflection,
            res.clock.now(), res.context, reason,
        )  # fmt: skip
    await res.effects(aftermath)
    async with res.sessions() as session:
        view = await reads.discussion_view(session, access.discussion_id)
    if view["state"] == DiscussionState.OPEN:  # the first validation: the partner may be away
        live: Live = res.extras["live"]
        await live.absent.validated(access.discussion_id, registrant.id)
    return JSONResponse(view)


async def post_report(request: Request) -> Response:
    registrant, access = await _access(request)
    given = await read_body(request, ReportBody)
    reason, seq = given.reason, given.seq
    res = resources(request)
    row = await file_report(
        res.sessions, res.redis, registrant.id, access.discussion_id, reason, seq, res.clock.now()
    )
    body = {"id": row.id, "discussion": access.discussion_id, "seq": seq, "reason": reason}
    return JSONResponse(body, status_code=201)


routes = [
    Route("/api/discussions/{id}", get_discussion, methods=["GET"]),
    Route("/api/discussions/{id}/messages", get_messages, methods=["GET"]),
    Route("/api/discussions/{id}/validation", post_validation, methods=["POST"]),
    Route("/api/discussions/{id}/reports", post_report, methods=["POST"]),
]
