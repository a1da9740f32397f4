"""The cycle's API resources, typed: `GET /api/me/cycle` (API.md's shape and what it
adds) and the moderators' cycle report (`peercet report cycle` prints the same)."""

from __future__ import annotations

from typing import TypedDict

from peercet.catalogue.views import CourseView


class TallyView(TypedDict):
    """Points of each kind, as what is missing or due counts them."""

    points: int
    interactive: int
    specialty_points: int
    general_points: int


class EarnedView(TallyView):
    """Points earned: those not interactive too."""

    non_interactive: int


class YearView(EarnedView):
    year: int


class MissingView(TallyView):
    """What is still missing: points, and the competencies not yet covered."""

    competencies: list[str]


class TargetView(TallyView):
    """The share due by now: points, and how many competencies."""

    competencies: int


class RequirementView(TypedDict):
    points: int
    interactive: int
    specialty_points: int
    general_points: int
    specialty: str | None
    competencies: list[str]


class CoverView(TypedDict):
    name: str
    covered: bool
    courses: list[str]


class SuggestionView(CourseView):
    """A course open to the registrant that covers a competency still missing."""

    covers: list[str]


class ToAcceptView(TypedDict):
    year: int
    points: int
    accept_by: str


class StandingView(TypedDict):
    """GET /api/me/cycle."""

    cycle: str
    years: list[int]
    requirement: RequirementView
    earned: EarnedView
    per_year: list[YearView]
    competencies: list[CoverView]
    suggestions: list[SuggestionView]
    missing: MissingView
    target: TargetView
    status: str
    on_track: bool
    in_progress: list[str]
    not_uploaded: int
    to_accept: list[ToAcceptView]


class ThinView(TypedDict):
    """A profession's required competency that too few open courses cover."""

    profession: str
    competency: str
    courses: int
    refs: list[str]


class ProfessionCount(TypedDict):
    """How one profession's registrants stand, counted by status."""

    profession: str
    registrants: int
    met: int
    on_track: int
    behind: int
    not_met: int
    on_track_total: int


class CycleReport(TypedDict):
    cycle: str
    years: list[int]
    as_of: str
    registrants: int
    on_track: int
    by_profession: list[ProfessionCount]
    fewer_than: int
    poorly_covered: list[ThinView]
