"""The cycle dashboard: /account/cycle, the registrant's progress as pictures and words
(the same frame as `GET /api/me/cycle`, so page and API agree); and the moderators'
/moderation/cycle, everyone's in aggregate (the report of `peercet report cycle`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from peercet.cycles.pending import pending_of
from peercet.cycles.progress import Status
from peercet.cycles.report import cycle_report
from peercet.cycles.standing import standing_frame, standing_of
from peercet.cycles.views import StandingView
from web.auth import require_moderator, require_registrant
from web.http import asked_cycle
from web.resources import resources
from web.templating import render

STATUS_TEXT = {
    Status.MET: "Every requirement of this cycle is met.",
    Status.ON_TRACK: "You are on track: each requirement has its share due by now.",
    Status.BEHIND: "You are behind: something is short of its share due by now.",
    Status.NOT_MET: "This cycle is over and some requirements were not met.",
}


def pct(part: int, whole: int) -> int:
    """How much of `whole` `part` is, in per cent, for a bar (full when nothing is due)."""
    return 100 if whole <= 0 else min(100, round(100 * part / whole))


def _year_scale(frame: StandingView) -> int:
    """Per-year bars are drawn against a year's even share of the points (or the most)."""
    share = -(-frame["requirement"]["points"] // len(frame["years"]))
    return max([share, 1] + [y["points"] for y in frame["per_year"]])


async def my_cycle(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    now, cycles = res.clock.now(), res.settings.cycles
    label, years = asked_cycle(request)
    async with res.sessions() as session:
        standing = await standing_of(session, who, label, years, now, res.settings)
        pending = await pending_of(session, who.id, now, res.settings.timezone)
    frame = standing_frame(standing)
    context = {
        "s": frame,
        "status_text": STATUS_TEXT[standing.progress.status],
        "covered": sum(1 for c in frame["competencies"] if c["covered"]),
        "provider": res.settings.provider_name,
        "pct": pct,
        "year_scale": _year_scale(frame),
        "previous": cycles.label(years[0] - 1),
        "following": cycles.label(years[-1] + 1),
        "pending": pending,
    }
    return await render(request, "cycle.html", context)


async def all_cycles(request: Request) -> Response:
    await require_moderator(request)
    res = resources(request)
    now = res.clock.now()
    label, years = asked_cycle(request)
    async with res.sessions() as session:
        report = await cycle_report(session, label, years, now, res.settings)
    context = {
        "r": report,
        "pct": pct,
        "previous": res.settings.cycles.label(years[0] - 1),
        "following": res.settings.cycles.label(years[-1] + 1),
    }
    return await render(request, "moderation_cycle.html", context)


routes = [
    Route("/account/cycle", my_cycle, methods=["GET"]),
    Route("/moderation/cycle", all_cycles, methods=["GET"]),
]
