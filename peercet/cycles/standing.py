"""Reads for a registrant's cycle: their point records as `Credit`s, the catalogue as
`Offer`s, their progress and suggestions (pure rules in `peercet.cycles.progress`), and the
frame `GET /api/me/cycle` answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue.courses import all_courses, course_frame
from peercet.completions import lifecycle
from peercet.completions.lifecycle import Mode
from peercet.core.errors import BadInput
from peercet.core.settings import Settings
from peercet.core.tables import Completion, Course, PointRecord, Registrant
from peercet.cycles import progress
from peercet.cycles.pending import accept_by
from peercet.cycles.progress import Credit, Offer, Progress, Suggestion, Tally
from peercet.cycles.views import EarnedView, RequirementView, StandingView, TallyView

MAX_LABEL = 20


def cycle_of(settings: Settings, label: str | None, now: datetime) -> tuple[str, list[int]]:
    """The cycle asked for (its label and CET years), or the current one by `now`; a
    label that names no configured cycle is 400 `bad_cycle`."""
    if not label:
        label = settings.cycles.label(lifecycle.cet_year(now, settings.timezone))
    years = settings.cycles.years_of(label) if len(label) <= MAX_LABEL else None
    if years is None or years[0] < 1 or years[-1] > 9998:
        raise BadInput(
            f"cycle: a cycle such as {settings.cycles.label(settings.cycles.first_year)!r}",
            "bad_cycle",
            field="cycle",
        )
    return label, years


async def credits_of(
    session: AsyncSession, cycle: str, tz: ZoneInfo, registrant_ids: Sequence[int] | None = None
) -> dict[int, list[Credit]]:
    """Every point record of `cycle` (of these registrants), by registrant."""
    query = (
        select(PointRecord, Completion, Course.ref, Course.competencies)
        .join(Completion, Completion.id == PointRecord.completion_id)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.cycle == cycle)
        .order_by(Completion.completed_at, Completion.id)
    )
    if registrant_ids is not None:
        query = query.where(Completion.registrant_id.in_(list(registrant_ids)))
    found: dict[int, list[Credit]] = {}
    for record, completion, ref, competencies in await session.execute(query):
        found.setdefault(completion.registrant_id, []).append(
            Credit(
                ref=ref,
                points=record.points,
                interactive=record.kind == Mode.INTERACTIVE.value,
                cet_year=completion.cet_year,
                competencies=tuple(competencies),
                uploaded_at=completion.uploaded_at,
                accept_by=accept_by(completion.cet_year, tz),
            )
        )
    return found


def offers_of(courses: Sequence[Course]) -> list[Offer]:
    return [
        Offer(c.ref, tuple(c.professions), tuple(c.competencies), c.interactive) for c in courses
    ]


@dataclass(frozen=True)
class Standing:
    """A registrant's progress in a cycle, with the courses suggested to them."""

    progress: Progress
    suggestions: list[tuple[Suggestion, Course]]
    in_progress: list[Course]  # passed in the cycle, not completed yet


async def standing_of(
    session: AsyncSession,
    who: Registrant,
    cycle: str,
    years: list[int],
    now: datetime,
    settings: Settings,
) -> Standing:
    """Their progress against their profession's requirements (from `settings`)."""
    tz = settings.timezone
    credits = (await credits_of(session, cycle, tz, [who.id])).get(who.id, [])
    requirement = settings.cet_requirements.of(who.profession)
    current = lifecycle.cet_year(now, tz)
    found = progress.progress(cycle, years, requirement, credits, current, now)
    courses = await all_courses(session)
    rows = (
        await session.execute(
            select(Completion.course_id, Completion.state).where(
                Completion.registrant_id == who.id, Completion.cycle == cycle
            )
        )
    ).all()
    taken = {c.ref for c in courses if c.id in {course_id for course_id, _ in rows}}
    opened = {course_id for course_id, state in rows if lifecycle.is_open(lifecycle.State(state))}
    by_ref = {c.ref: c for c in courses}
    offered = progress.suggestions(found, offers_of(courses), taken)
    open_ = [c for c in courses if c.id in opened]
    return Standing(found, [(s, by_ref[s.ref]) for s in offered], open_)


def _tally(t: Tally) -> TallyView:
    """Points of each kind, as what is missing or due counts them."""
    return {
        "points": t.points,
        "interactive": t.interactive,
        "specialty_points": t.specialty_points,
        "general_points": t.general_points,
    }


def _earned(t: Tally) -> EarnedView:
    """Points earned: those not interactive too (what is missing or due never says)."""
    return {**_tally(t), "non_interactive": t.non_interactive}


def _requirement(p: Progress) -> RequirementView:
    r = p.requirement
    return {
        "points": r.points,
        "interactive": r.interactive,
        "specialty_points": r.specialty_points,
        "general_points": r.general_points,
        "specialty": r.specialty_name,
        "competencies": list(r.competencies),
    }


def standing_frame(standing: Standing) -> StandingView:
    """API.md's `/api/me/cycle` shape, and (additive) what is missing, the target to
    date, the status, and where the points stand with the GOC."""
    p = standing.progress
    return {
        "cycle": p.cycle,
        "years": list(p.years),
        "requirement": _requirement(p),
        "earned": _earned(p.earned),
        "per_year": [{"year": y, **_earned(t)} for y, t in p.per_year],
        "competencies": [
            {"name": c.name, "covered": c.covered, "courses": list(c.courses)}
            for c in p.competencies
        ],
        "suggestions": [
            {**course_frame(course), "covers": list(s.covers)} for s, course in standing.suggestions
        ],
        "missing": {**_tally(p.missing), "competencies": list(p.missing_competencies)},
        "target": {**_tally(p.target), "competencies": p.target_competencies},
        "status": p.status.value,
        "on_track": p.on_track,
        "in_progress": [c.ref for c in standing.in_progress],
        "not_uploaded": p.not_uploaded,
        "to_accept": [
            {"year": t.year, "points": t.points, "accept_by": t.accept_by.isoformat()}
            for t in p.to_accept
        ],
    }
