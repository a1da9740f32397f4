"""The discussion endpoints of API.md and the discussion page.

Thin: authorise (discussion.reads.authorise, the one place that decides), open a
short transaction, call one action, commit, then publish.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from discussion import actions, reads
from discussion.reads import Role
from peercet import guidance
from peercet.db import transaction
from peercet.errors import BadInput, Forbidden
from peercet.lifecycle import DiscussionState
from peercet.numbers import is_id
from peercet.quota import REPORTS
from peercet.rooms import closing_time
from peercet.tables import Registrant
from web.auth import require_registrant
from web.http import path_int, read_json
from web.live import Live
from web.resources import resources

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
MAX_TEXT = 4000


async def _access(request: Request) -> tuple[Registrant, reads.Access]:
    registrant = await require_registrant(request)
    async with resources(request).sessions() as session:
        access = await reads.authorise(session, registrant, path_int(request, "id"))
    return registrant, access


async def get_discussion(request: Request) -> Response:
    _, access = await _access(request)
    async with resources(request).sessions() as session:
        return JSONResponse(await reads.discussion_view(session, access.discussion_id))


def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise BadInput(f"`{name}` must be an integer") from None
    return max(low, min(high, value))


async def get_messages(request: Request) -> Response:
    _, access = await _access(request)
    after = _query_int(request, "after", 0, 0, 2**62)
    limit = _query_int(request, "limit", reads.MESSAGES_DEFAULT, 1, reads.MESSAGES_MAX)
    async with resources(request).sessions() as session:
        messages = await reads.messages_after(session, access.discussion_id, after, limit)
    return JSONResponse({"messages": messages})


def _text(data: dict[str, object], name: str, required: bool = True) -> str:
    value = data.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        raise BadInput(f"`{name}` must be text of 1 to {MAX_TEXT} characters")
    return value.strip()


async def post_validation(request: Request) -> Response:
    registrant, access = await _access(request)
    if access.role is not Role.PARTICIPANT:
        raise Forbidden("only participants validate", "not_participant")
    data = await read_json(request)
    peer_took_part = data.get("peer_took_part")
    if not isinstance(peer_took_part, bool):
        raise BadInput("`peer_took_part` must be true or false")
    # A dispute needs its reason (blank is missing); a reflection is then optional.
    reflection = _text(data, "reflection", required=peer_took_part)
    reason = _text(data, "reason", required=not peer_took_part)
    res = resources(request)
    async with transaction(res.sessions) as session:
        outcome = await actions.validate(
            session, registrant.id, access.discussion_id, peer_took_part, reflection,
            res.clock.now(), reason,
        )  # fmt: skip
    await res.effects(outcome)
    async with res.sessions() as session:
        view = await reads.discussion_view(session, access.discussion_id)
    if view["state"] == DiscussionState.OPEN:  # the first validation: the partner may be away
        live: Live = res.extras["live"]
        await live.absent.validated(access.discussion_id, registrant.id)
    return JSONResponse(view)


async def post_report(request: Request) -> Response:
    registrant, access = await _access(request)
    data = await read_json(request)
    reason = _text(data, "reason")
    seq = data.get("seq")
    if seq is not None and not is_id(seq):
        raise BadInput("`seq` must be a message's seq or absent")
    res = resources(request)
    use = await REPORTS.take(res.redis, registrant.id, res.clock.now())  # 429 past the limit
    try:
        async with transaction(res.sessions) as session:
            row = await actions.report(
                session, registrant.id, access.discussion_id, reason, seq, res.clock.now()
            )
    except Exception:
        await use.give_back()  # no report was filed: it does not count
        raise
    body = {"id": row.id, "discussion": access.discussion_id, "seq": seq, "reason": reason}
    return JSONResponse(body, status_code=201)


async def page(request: Request) -> Response:
    registrant = await require_registrant(request)  # signed out: to /signin, then back here
    _, access = await _access(request)
    res = resources(request)
    async with res.sessions() as session:
        closes_at = await closing_time(session, access.discussion_id)
    context = {
        "discussion_id": access.discussion_id, "me": registrant, "role": access.role,
        "closes_at": closes_at, "tz": res.settings.timezone,
        "when": lambda at: guidance.when(at, res.settings.timezone),
        "time_left": lambda at: guidance.time_left(at, res.clock.now()),
    }  # fmt: skip
    return templates.TemplateResponse(request, "discussion.html", context)


routes = [
    Route("/api/discussions/{id}", get_discussion, methods=["GET"]),
    Route("/api/discussions/{id}/messages", get_messages, methods=["GET"]),
    Route("/api/discussions/{id}/validation", post_validation, methods=["POST"]),
    Route("/api/discussions/{id}/reports", post_report, methods=["POST"]),
    Route("/discussions/{id}", page, methods=["GET"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]
