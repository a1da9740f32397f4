"""How registrants stand against a cycle's requirements, in aggregate: one function for
the moderators' page, `GET /api/moderation/cycle` and `peercet report cycle`.

By profession: how many registrants (moderators are staff, not counted) have met the
cycle's requirements, are on track, behind, or (the cycle over) did not meet them, by
the same rules as each registrant's own dashboard (`peercet.cycles.progress`). And which
competencies the catalogue covers poorly: those of a profession with fewer than
`THIN` courses that profession may take.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue.competencies import key
from peercet.catalogue.courses import all_courses
from peercet.catalogue.professions import PROFESSIONS, may_take
from peercet.completions import lifecycle
from peercet.core.settings import Settings
from peercet.core.tables import Course, Registrant
from peercet.cycles import progress
from peercet.cycles.progress import Status
from peercet.cycles.requirements import Requirements
from peercet.cycles.standing import credits_of
from peercet.cycles.views import CycleReport, ProfessionCount, ThinView

THIN = 2  # a competency with fewer open courses than this is poorly covered


def poorly_covered(
    courses: list[Course], requirements: Requirements, fewer_than: int = THIN
) -> list[ThinView]:
    """Each profession's required competencies that fewer than `fewer_than` courses open
    to that profession cover."""
    found: list[ThinView] = []
    for profession in PROFESSIONS:
        open_to = [c for c in courses if may_take(profession, list(c.professions))]
        for name in requirements.of(profession).competencies:
            refs = [c.ref for c in open_to if key(name) in {key(n) for n in c.competencies}]
            if len(refs) < fewer_than:
                found.append(
                    {"profession": profession, "competency": name, "courses": len(refs),
                     "refs": refs}
                )  # fmt: skip
    return found


async def cycle_report(
    session: AsyncSession,
    cycle: str,
    years: list[int],
    now: datetime,
    settings: Settings,
    fewer_than: int = THIN,
) -> CycleReport:
    """How registrants stand in `cycle` by profession (scheme time and requirements
    from `settings`), and the competencies the catalogue covers poorly."""
    tz = settings.timezone
    current = lifecycle.cet_year(now, tz)
    credits = await credits_of(session, cycle, tz)
    people = await session.execute(
        select(Registrant.id, Registrant.profession).where(Registrant.role == "registrant")
    )
    counts = {p: {s.value: 0 for s in Status} for p in PROFESSIONS}
    for rid, profession in people:
        if profession not in counts:
            continue
        requirement = settings.cet_requirements.of(profession)
        found = progress.progress(cycle, years, requirement, credits.get(rid, []), current, now)
        counts[profession][found.status.value] += 1
    by_profession = [_counted(p, c) for p, c in counts.items()]
    return {
        "cycle": cycle,
        "years": years,
        "as_of": now.isoformat(),
        "registrants": sum(p["registrants"] for p in by_profession),
        "on_track": sum(p["on_track_total"] for p in by_profession),
        "by_profession": by_profession,
        "fewer_than": fewer_than,
        "poorly_covered": poorly_covered(
            await all_courses(session), settings.cet_requirements, fewer_than
        ),
    }


def _counted(profession: str, counts: dict[str, int]) -> ProfessionCount:
    """One profession's registrants, by status, and those met or on track."""
    met, on_track = counts[Status.MET.value], counts[Status.ON_TRACK.value]
    return {
        "profession": profession,
        "registrants": sum(counts.values()),
        "met": met,
        "on_track": on_track,
        "behind": counts[Status.BEHIND.value],
        "not_met": counts[Status.NOT_MET.value],
        "on_track_total": met + on_track,
    }
