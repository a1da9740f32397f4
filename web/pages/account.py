"""Pages: my account (every completion, notifications) and one completion with the choice.

Notifications shown on a page are marked read once it has been rendered: they are
shown as new this once, and stay listed afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from discussion.opening import pair_deadlines
from peercet.completions import guidance, own
from peercet.completions.actions import award_of, awards_of
from peercet.completions.choosing import choose_own, mode_of
from peercet.completions.lifecycle import State
from peercet.core.db import transaction
from peercet.core.errors import Conflict
from peercet.core.tables import Completion, Course, Notification, PointRecord, Registrant
from peercet.cycles.pending import pending_of
from peercet.notify import inbox
from web.auth import require_registrant
from web.fields import Whole
from web.http import Query, path_int, read_form, read_query
from web.resources import Resources, resources
from web.schemas import Choice
from web.security import csrf
from web.templating import render
from web.units import commit


def _row(
    res: Resources,
    completion: Completion,
    course: Course,
    award: PointRecord | None,
    closes_at: datetime | None = None,
) -> dict[str, Any]:
    """`points` and `kind` are the point record's: what was awarded, not the course today;
    `closes_at`: in a discussion, the date to validate by (the pair's earlier deadline)."""
    state = State(completion.state)
    return {
        "c": completion,
        "closes_at": closes_at,
        "course": course,
        "open": state not in (State.COMPLETED_INTERACTIVE, State.COMPLETED_NON_INTERACTIVE),
        "points": 0 if award is None else award.points,
        "kind": "" if award is None else award.kind.replace("_", "-"),
        "next_step": guidance.next_step(
            state, closes_at or completion.deadline, completion.uploaded_at,
            completion.cet_year, res.settings.timezone,
        ),
    }  # fmt: skip


async def _seen(res: Resources, who: Registrant, notes: list[Notification]) -> None:
    unread = [n.id for n in notes if n.read_at is None]
    if unread:
        async with transaction(res.sessions) as session:
            await inbox.mark_read(session, who.id, unread, res.clock.now())


async def my_account(request: Request) -> Response:
    who = await require_registrant(request)
    res = resources(request)
    async with res.sessions() as session:
        rows = await own.completions_of(session, who.id)
        awards = await awards_of(session, [c.id for c, _ in rows])
        notes = await inbox.notifications_of(session, who.id)
        closing = await pair_deadlines(session, [c for c, _ in rows])
        pending = await pending_of(session, who.id, res.clock.now(), res.settings.timezone)
    shown = [_row(res, c, course, awards.get(c.id), closing.get(c.id)) for c, course in rows]
    context = {"rows": shown, "notes": notes, "live": any(r["open"] for r in shown)}
    context["pending"] = pending
    response = await render(request, "account.html", context)
    await _seen(res, who, notes)
    return response


async def _completion_page(
    request: Request, who: Registrant, extra: dict[str, Any], status: int = 200
) -> Response:
    res = resources(request)
    async with res.sessions() as session:
        completion, course = await own.own_completion(session, who.id, path_int(request, "id"))
        award = await award_of(session, completion.id)
        notes = await inbox.notifications_of(session, who.id, completion.id)
        closing = await pair_deadlines(session, [completion])
        pending = await pending_of(session, who.id, res.clock.now(), res.settings.timezone)
    row = _row(res, completion, course, award, closing.get(completion.id))
    context = {"row": row, "notes": notes, "live": row["open"], "pending": pending, **extra}
    response = await render(request, "completion.html", context, status)
    await _seen(res, who, notes)
    return response


class Passed(Query):
    """`?score=&total=` after a pass: the page says how it went."""

    score: Whole | None = None
    total: Whole | None = None


async def completion(request: Request) -> Response:
    who = await require_registrant(request)
    passed = read_query(request, Passed)
    shown = passed.model_dump() if passed.score is not None else None
    return await _completion_page(request, who, {"passed": shown})


async def choice(request: Request) -> Response:
    who = await require_registrant(request)
    form = await csrf.checked_form(request)
    res, cid = resources(request), path_int(request, "id")
    try:
        mode = mode_of(read_form(form, Choice).mode)
        await commit(
            res,
            lambda session: choose_own(session, who.id, cid, mode, res.clock.now(), res.context),
        )
    except Conflict as exc:
        return await _completion_page(request, who, {"error": exc.message}, exc.status)
    return RedirectResponse(f"/account/completions/{cid}", status_code=303)


routes = [
    Route("/account", my_account, methods=["GET"]),
    Route("/account/completions/{id}", completion, methods=["GET"]),
    Route("/account/completions/{id}/choice", choice, methods=["POST"]),
]
