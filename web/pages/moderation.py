"""The moderator console: pages on the base layout, moderators only.

Anonymous visitors are sent to sign in, registrants get a 403 page (the error
handlers do both, from `require_moderator`). The pages read through
`discussion.moderation`, the same reads as the JSON API; what they change goes
through that API from web/static/moderation.js.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from discussion import moderation
from discussion.views import DiscussionView
from discussion.wire import MessageFrame
from peercet.completions import guidance
from peercet.completions.lifecycle import DiscussionState
from web.auth import require_moderator
from web.http import path_int, read_query
from web.resources import resources
from web.schemas import Watch
from web.templating import render

STATES = tuple(s.value for s in DiscussionState)


def ago(then: datetime | str | None, now: datetime) -> str:
    """How long ago, in the largest unit that fits: "3 days", "5 hours", "12 minutes"."""
    if then is None:
        return "never"
    moment = datetime.fromisoformat(then) if isinstance(then, str) else then
    gone = max(now - moment, timedelta(0))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(gone.total_seconds()) // size
        if count:
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


async def console(request: Request) -> Response:
    await require_moderator(request)
    watch = read_query(request, Watch)
    state = watch.state if watch.state in STATES else ""
    reported = watch.reported
    res = resources(request)
    async with res.sessions() as session:
        found = await moderation.discussions_under_watch(session, state or None, reported)
    context = {
        "discussions": found,
        "state": state,
        "states": STATES,
        "reported": reported,
        "ago": lambda then: ago(then, res.clock.now()),
        "at": _at(res.settings.timezone),
    }
    return await render(request, "moderation.html", context)


def _at(tz: ZoneInfo) -> Callable[[str], str]:
    """ISO times from the API's frames, as the scheme's clock shows them."""
    return lambda iso: guidance.when(datetime.fromisoformat(iso), tz)


def _names(view: DiscussionView) -> dict[int, str]:
    return {p["id"]: p["name"] for p in view["participants"]}


async def discussion(request: Request) -> Response:
    await require_moderator(request)
    res = resources(request)
    async with res.sessions() as session:
        view = await moderation.discussion_detail(session, path_int(request, "id"))
    by_seq: dict[int | None, MessageFrame] = {m["seq"]: m for m in view["messages"]}
    names = _names(view)
    reports = [
        {**r, "message": by_seq.get(r["seq"]), "reporter": names.get(r["reporter_id"], "?")}
        for r in view["reports"]
    ]
    context = {"d": view, "names": names, "reports": reports, "at": _at(res.settings.timezone)}
    return await render(request, "moderation_discussion.html", context)


async def at_risk(request: Request) -> Response:
    await require_moderator(request)
    res = resources(request)
    async with res.sessions() as session:
        completions = await moderation.at_risk(session, res.clock.now())
    context = {
        "completions": completions,
        "near": moderation.NEAR,
        "quiet": moderation.QUIET,
        "at": _at(res.settings.timezone),
    }
    return await render(request, "moderation_at_risk.html", context)


async def audit(request: Request) -> Response:
    await require_moderator(request)
    res = resources(request)
    async with res.sessions() as session:
        entries = await moderation.audit_entries(session)
    context = {"entries": entries, "at": _at(res.settings.timezone)}
    return await render(request, "moderation_audit.html", context)


routes = [
    Route("/moderation", console, methods=["GET"]),
    Route("/moderation/discussions/{id}", discussion, methods=["GET"]),
    Route("/moderation/at-risk", at_risk, methods=["GET"]),
    Route("/moderation/audit", audit, methods=["GET"]),
]
