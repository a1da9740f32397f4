"""A registrant's progress towards a cycle's requirements, as pure rules (no I/O).

From the requirement of their profession and their point records in the cycle (one
`Credit` each) this computes what `GET /api/me/cycle`, the dashboard page and the
moderators' report show: points earned (interactive, non-interactive, specialty,
general), per CET year, every competency covered or missing, what is still missing,
where the points stand with the GOC, and whether the registrant is on track.

On track: every requirement has at least its share of the cycle's CET years already
ended (a third of each after the first year of three, two thirds after the second,
rounded up; nothing is due in the first year), and once the cycle is over, all of it.
Only this provider's CET is known here: MyGOC also has every other provider's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from peercet.catalogue.competencies import key
from peercet.catalogue.professions import may_take
from peercet.cycles.requirements import Requirement

SUGGESTIONS = 6  # at most this many suggested courses


class Status(StrEnum):
    MET = "met"  # every requirement of the cycle met
    ON_TRACK = "on_track"  # each at least its share of the CET years ended
    BEHIND = "behind"  # short of that share, the cycle still running
    NOT_MET = "not_met"  # the cycle is over and something is missing


@dataclass(frozen=True)
class Credit:
    """One point record of the cycle, with its course and where it stands with the GOC."""

    ref: str
    points: int
    interactive: bool
    cet_year: int
    competencies: tuple[str, ...]
    uploaded_at: datetime | None = None
    accept_by: datetime | None = None  # midnight on 31 December of its CET year


@dataclass(frozen=True)
class Tally:
    """Points of one kind and another: the cycle's, a year's, what is missing or due."""

    points: int = 0
    interactive: int = 0
    specialty_points: int = 0
    general_points: int = 0

    @property
    def non_interactive(self) -> int:
        return self.points - self.interactive

    def short_of(self, wanted: Tally) -> Tally:
        """What this lacks of `wanted`, never below nothing."""
        return Tally(
            max(wanted.points - self.points, 0),
            max(wanted.interactive - self.interactive, 0),
            max(wanted.specialty_points - self.specialty_points, 0),
            max(wanted.general_points - self.general_points, 0),
        )

    def __bool__(self) -> bool:
        return any((self.points, self.interactive, self.specialty_points, self.general_points))


@dataclass(frozen=True)
class Cover:
    name: str
    courses: tuple[str, ...]  # refs of the completed courses that covered it

    @property
    def covered(self) -> bool:
        return bool(self.courses)


@dataclass(frozen=True)
class Pending:
    """Points of `year` uploaded to the GOC, to accept in MyGOC by `accept_by`."""

    year: int
    points: int
    accept_by: datetime


@dataclass(frozen=True)
class Progress:
    cycle: str
    years: tuple[int, ...]
    requirement: Requirement
    earned: Tally
    per_year: tuple[tuple[int, Tally], ...]
    competencies: tuple[Cover, ...]
    target: Tally  # the share due by now (on track)
    target_competencies: int
    not_uploaded: int
    to_accept: tuple[Pending, ...] = field(default=())

    @property
    def wanted(self) -> Tally:
        r = self.requirement
        return Tally(r.points, r.interactive, r.specialty_points, r.general_points)

    @property
    def missing(self) -> Tally:
        return self.earned.short_of(self.wanted)

    @property
    def missing_competencies(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.competencies if not c.covered)

    @property
    def status(self) -> Status:
        if not self.missing and not self.missing_competencies:
            return Status.MET
        covered = len(self.competencies) - len(self.missing_competencies)
        if self.target == self.wanted and self.target_competencies == len(self.competencies):
            return Status.NOT_MET
        if self.earned.short_of(self.target) or covered < self.target_competencies:
            return Status.BEHIND
        return Status.ON_TRACK

    @property
    def on_track(self) -> bool:
        return self.status in (Status.MET, Status.ON_TRACK)


def tally(credits: Iterable[Credit], requirement: Requirement) -> Tally:
    points = interactive = specialty = 0
    for c in credits:
        points += c.points
        interactive += c.points if c.interactive else 0
        specialty += c.points if requirement.is_specialty(c.competencies) else 0
    general = points - specialty if requirement.specialty_name else 0
    return Tally(points, interactive, specialty, general)


def share(total: int, ended: int, years: int) -> int:
    """A requirement's share due once `ended` of the cycle's `years` have ended."""
    return math.ceil(total * min(max(ended, 0), years) / years)


def covers(requirement: Requirement, credits: Sequence[Credit]) -> tuple[Cover, ...]:
    """Every competency of the requirement, with the completed courses that covered it."""
    found: dict[str, list[str]] = {key(n): [] for n in requirement.competencies}
    for c in credits:
        for name in dict.fromkeys(key(n) for n in c.competencies):
            if name in found and c.ref not in found[name]:
                found[name].append(c.ref)
    return tuple(Cover(n, tuple(found[key(n)])) for n in requirement.competencies)


def _to_accept(credits: Sequence[Credit], now: datetime) -> tuple[Pending, ...]:
    by_year: dict[int, tuple[int, datetime]] = {}
    for c in credits:
        if c.uploaded_at is None or c.accept_by is None:
            continue
        if c.uploaded_at <= now < c.accept_by:
            points, _ = by_year.get(c.cet_year, (0, c.accept_by))
            by_year[c.cet_year] = (points + c.points, c.accept_by)
    return tuple(Pending(y, p, by) for y, (p, by) in sorted(by_year.items()))


def progress(
    cycle: str,
    years: Sequence[int],
    requirement: Requirement,
    credits: Sequence[Credit],
    current_year: int,
    now: datetime,
) -> Progress:
    """Where the registrant stands in `cycle` in CET year `current_year` at `now`."""
    ended = current_year - years[0]
    r = requirement
    wanted = (r.points, r.interactive, r.specialty_points, r.general_points)
    target = Tally(*(share(n, ended, len(years)) for n in wanted))
    competencies = covers(requirement, credits)
    return Progress(
        cycle=cycle,
        years=tuple(years),
        requirement=requirement,
        earned=tally(credits, requirement),
        per_year=tuple(
            (y, tally([c for c in credits if c.cet_year == y], requirement)) for y in years
        ),
        competencies=competencies,
        target=target,
        target_competencies=share(len(competencies), ended, len(years)),
        not_uploaded=sum(c.points for c in credits if c.uploaded_at is None or c.uploaded_at > now),
        to_accept=_to_accept(credits, now),
    )


# --- suggestions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A course of the catalogue as suggestions weigh it."""

    ref: str
    professions: tuple[str, ...]
    competencies: tuple[str, ...]
    interactive: bool


@dataclass(frozen=True)
class Suggestion:
    ref: str
    covers: tuple[str, ...]  # the missing competencies it covers


def _useful(offer: Offer, standing: Progress) -> tuple[str, ...] | None:
    """The missing competencies `offer` covers, or None when it would not help: with
    competencies missing it must cover one; else it must earn a kind of point still short."""
    offered = {key(c) for c in offer.competencies}
    hits = tuple(n for n in standing.missing_competencies if key(n) in offered)
    if standing.missing_competencies:
        return hits or None
    short = standing.missing
    if short.specialty_points and not standing.requirement.is_specialty(offer.competencies):
        return None
    if short.interactive and not (short.points or short.general_points):
        return () if offer.interactive else None
    return () if short else None


def suggestions(
    standing: Progress, offers: Iterable[Offer], taken: set[str], limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Courses the registrant may take and has not passed in the cycle that fill a gap:
    a missing competency first of all; interactive ones first when interactive points
    are short, specialty ones first when specialty points are; then those that cover
    most of what is missing; then by reference."""
    profession = standing.requirement.profession
    short = standing.missing
    found: list[tuple[tuple[int, int, int, str], Suggestion]] = []
    for offer in offers:
        if offer.ref in taken or not may_take(profession, list(offer.professions)):
            continue
        hits = _useful(offer, standing)
        if hits is None:
            continue
        rank = (
            int(bool(short.interactive) and not offer.interactive),
            int(bool(short.specialty_points))
            * int(not standing.requirement.is_specialty(offer.competencies)),
            -len(hits),
            offer.ref,
        )
        found.append((rank, Suggestion(offer.ref, hits)))
    return [s for _, s in sorted(found, key=lambda pair: pair[0])[:limit]]
