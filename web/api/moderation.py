"""Moderation endpoints: moderators only (401 anonymous, 403 registrants)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from discussion import moderation
from peercet.core.db import transaction
from peercet.core.publish import Aftermath
from web.auth import require_moderator
from web.fields import Text
from web.http import Body, path_int, read_body, read_query
from web.resources import resources
from web.schemas import Watch


class Closing(Body):
    """The checks of discussion.moderation (bad_outcome, reason_required) stand."""

    outcome: Text = ""
    reason: Text = ""


class Decision(Body):
    """`award` true or false; the reason is checked by discussion.moderation as every
    moderator action's is (both with their documented codes)."""

    field_codes = {"award": "bad_award", "reason": "reason_required"}
    award: bool
    reason: Text = ""


class Notice(Body):
    body: Text = ""


class Resolution(Body):
    outcome: Text = ""


async def list_discussions(request: Request) -> Response:
    await require_moderator(request)
    watch = read_query(request, Watch)
    state, reported = watch.state or None, watch.reported
    async with resources(request).sessions() as session:
        found = await moderation.discussions_under_watch(session, state, reported)
    return JSONResponse({"discussions": found})


async def _acted_on(
    request: Request, did: int, act: Callable[[AsyncSession], Awaitable[Aftermath]]
) -> Response:
    """One moderator action on a discussion, committed, its effects run; answered with
    the discussion as the console lists it."""
    res = resources(request)
    async with transaction(res.sessions) as session:
        aftermath = await act(session)
    await res.effects(aftermath)
    async with res.sessions() as session:
        [listed] = await moderation.discussions_under_watch(session, None, False, only=did)
    return JSONResponse(listed)


async def close(request: Request) -> Response:
    moderator = await require_moderator(request)
    data, did = await read_body(request, Closing), path_int(request, "id")
    res = resources(request)
    now, links = res.clock.now(), res.context.links
    return await _acted_on(
        request,
        did,
        lambda session: moderation.close(
            session, moderator, did, data.outcome, data.reason, now, links
        ),
    )


async def decision(request: Request) -> Response:
    """A moderator's decision on a disputed discussion; answers the discussion as listed."""
    moderator = await require_moderator(request)
    data, did = await read_body(request, Decision), path_int(request, "id")
    res = resources(request)
    now, ctx = res.clock.now(), res.context
    return await _acted_on(
        request,
        did,
        lambda session: moderation.decide(
            session, moderator, did, data.award, data.reason, now, ctx
        ),
    )


async def detail(request: Request) -> Response:
    await require_moderator(request)
    async with resources(request).sessions() as session:
        found = await moderation.discussion_detail(session, path_int(request, "id"))
    return JSONResponse(found)


async def notice(request: Request) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_body(request, Notice)
    async with transaction(res.sessions) as session:
        frame, aftermath = await moderation.post_notice(
            session, moderator, path_int(request, "id"), data.body, res.clock.now()
        )
    await res.effects(aftermath)
    return JSONResponse(frame, status_code=201)


async def at_risk(request: Request) -> Response:
    await require_moderator(request)
    res = resources(request)
    async with res.sessions() as session:
        completions = await moderation.at_risk(session, res.clock.now())
    return JSONResponse({"completions": completions})


async def audit_log(request: Request) -> Response:
    await require_moderator(request)
    async with resources(request).sessions() as session:
        entries = await moderation.audit_entries(session)
    return JSONResponse({"entries": entries})


async def resolve_report(request: Request) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_body(request, Resolution)
    async with transaction(res.sessions) as session:
        report = await moderation.resolve_report(
            session, moderator, path_int(request, "id"), data.outcome, res.clock.now()
        )
    return JSONResponse({"id": report.id, "outcome": report.outcome})


routes = [
    Route("/api/moderation/discussions", list_discussions, methods=["GET"]),
    Route("/api/moderation/discussions/{id}", detail, methods=["GET"]),
    Route("/api/moderation/discussions/{id}/notices", notice, methods=["POST"]),
    Route("/api/moderation/discussions/{id}/close", close, methods=["POST"]),
    Route("/api/moderation/discussions/{id}/decision", decision, methods=["POST"]),
    Route("/api/moderation/at-risk", at_risk, methods=["GET"]),
    Route("/api/moderation/audit", audit_log, methods=["GET"]),
    Route("/api/moderation/reports/{id}/resolve", resolve_report, methods=["POST"]),
]
