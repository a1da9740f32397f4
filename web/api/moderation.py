"""Moderation endpoints: moderators only (401 anonymous, 403 registrants)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from discussion import moderation
from peercet.core.db import transaction
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


async def close(request: Request) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_body(request, Closing)
    did = path_int(request, "id")
    async with transaction(res.sessions) as session:
        aftermath = await moderation.close(
            session, moderator, did, data.outcome, data.reason, res.clock.now(), res.context.links
        )
    await res.effects(aftermath)
    async with res.sessions() as session:
        [closed] = await moderation.discussions_under_watch(session, None, False, only=did)
    return JSONResponse(closed)


async def decision(request: Request) -> Response:
    """A moderator's decision on a disputed discussion; answers the discussion as listed."""
    moderator = await require_moderator(request)
    res = resources(request)
    data = await read_body(request, Decision)
    did = path_int(request, "id")
    async with transaction(res.sessions) as session:
        aftermath = await moderation.decide(
            session, moderator, did, data.award, data.reason, res.clock.now(), res.context
        )
    await res.effects(aftermath)
    async with res.sessions() as session:
        [decided] = await moderation.discussions_under_watch(session, None, False, only=did)
    return JSONResponse(decided)


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
