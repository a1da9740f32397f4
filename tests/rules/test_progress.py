"""Progress towards a cycle's requirements, as pure rules: tables of point records in,
totals, competencies, status, uploads to accept and suggestions out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peercet.catalogue.professions import may_take
from peercet.cycles.progress import (
    Credit,
    Offer,
    Status,
    Tally,
    progress,
    share,
    suggestions,
)
from peercet.cycles.requirements import Requirement, bundled_requirements

YEARS = [2025, 2026, 2027]
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
OPTOM = bundled_requirements().of("optometrist")
CLO = bundled_requirements().of("contact_lens_optician")
TP = bundled_requirements().of("therapeutic_prescriber")
SMALL = Requirement("optometrist", 6, 3, ("Communication", "Ocular disease", "Low vision"))


def credit(ref: str = "C-1", points: int = 1, interactive: bool = False, year: int = 2026,
           *competencies: str, **kw: datetime | None) -> Credit:  # fmt: skip
    return Credit(ref, points, interactive, year, competencies or ("Communication",), **kw)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("total", "ended", "years", "due"),
    [(36, 0, 3, 0), (36, 1, 3, 12), (36, 2, 3, 24), (36, 3, 3, 36), (36, 4, 3, 36),
     (36, -1, 3, 0), (8, 1, 3, 3), (8, 2, 3, 6), (18, 1, 3, 6), (17, 1, 3, 6), (0, 2, 3, 0),
     (5, 1, 1, 5)],
)  # fmt: skip
def test_the_share_due_is_of_the_cet_years_ended_rounded_up(
    total: int, ended: int, years: int, due: int
) -> None:
    assert share(total, ended, years) == due


@pytest.mark.parametrize(
    ("requirement", "credits", "earned"),
    [
        (OPTOM, [], Tally(0, 0, 0, 0)),
        (OPTOM, [credit("A", 2, True), credit("B", 1, False)], Tally(3, 2, 0, 0)),
        (CLO, [credit("A", 2, True, 2026, "Contact lens fitting"), credit("B", 1)],
         Tally(3, 2, 2, 1)),
        (TP, [credit("A", 3, False, 2025, "Prescribing safely", "Ocular disease"),
              credit("B", 1, True, 2026, "Ocular disease")], Tally(4, 1, 3, 1)),
    ],
)  # fmt: skip
def test_earned_points_by_kind(
    requirement: Requirement, credits: list[Credit], earned: Tally
) -> None:
    found = progress("2025-2027", YEARS, requirement, credits, 2026, NOW)
    assert found.earned == earned
    assert found.earned.non_interactive == earned.points - earned.interactive


def test_per_year_has_every_year_of_the_cycle() -> None:
    credits = [credit("A", 2, True, 2025), credit("B", 1, False, 2025), credit("C", 1, True, 2026)]
    found = progress("2025-2027", YEARS, OPTOM, credits, 2026, NOW)
    assert [(y, t.points, t.interactive) for y, t in found.per_year] == [
        (2025, 3, 2), (2026, 1, 1), (2027, 0, 0),
    ]  # fmt: skip


def test_every_competency_of_the_profession_with_the_courses_that_covered_it() -> None:
    credits = [
        credit("A", 1, False, 2025, "Communication", "Low vision"),
        credit("B", 1, False, 2026, "communication", "Refractive management"),  # not an optom's
    ]
    found = progress("2025-2027", YEARS, OPTOM, credits, 2026, NOW)
    assert [c.name for c in found.competencies] == list(OPTOM.competencies)
    covered = {c.name: c.courses for c in found.competencies if c.covered}
    assert covered == {"Communication": ("A", "B")}
    assert "Professional conduct" in found.missing_competencies
    assert len(found.missing_competencies) == len(OPTOM.competencies) - 1


ALL = ("Communication", "Ocular disease", "Low vision")


@pytest.mark.parametrize(
    ("credits", "year", "status"),
    [
        ([], 2025, Status.ON_TRACK),  # nothing is due in the first year
        ([], 2026, Status.BEHIND),
        ([credit("A", 2, True, 2025, *ALL[:1])], 2026, Status.ON_TRACK),  # a third of each
        ([credit("A", 2, False, 2025, *ALL[:1])], 2026, Status.BEHIND),  # no interactive
        ([credit("A", 2, True, 2025, "Low vision"), credit("B", 2, True, 2026, "Low vision")],
         2027, Status.BEHIND),  # points enough, one competency where two are due
        ([credit("A", 4, True, 2025, *ALL[:2])], 2027, Status.ON_TRACK),
        ([credit("A", 6, True, 2025, *ALL)], 2025, Status.MET),
        ([credit("A", 6, True, 2025, *ALL[:2])], 2027, Status.ON_TRACK),
        ([credit("A", 6, True, 2025, *ALL[:2])], 2028, Status.NOT_MET),  # the cycle is over
        ([credit("A", 5, True, 2025, *ALL)], 2028, Status.NOT_MET),
        ([credit("A", 6, True, 2025, *ALL)], 2028, Status.MET),
        ([credit("A", 3, False, 2025, *ALL), credit("B", 3, True, 2026)], 2030, Status.MET),
    ],
)  # fmt: skip
def test_status_against_the_share_due(credits: list[Credit], year: int, status: Status) -> None:
    found = progress("2025-2027", YEARS, SMALL, credits, year, NOW)
    assert found.status is status
    assert found.on_track is (status in (Status.MET, Status.ON_TRACK))


def test_what_is_missing_never_goes_below_nothing() -> None:
    found = progress("2025-2027", YEARS, SMALL, [credit("A", 9, False, 2025, *ALL)], 2026, NOW)
    assert found.missing == Tally(0, 3, 0, 0)
    assert found.status is Status.BEHIND  # 1 interactive point due by now, none earned
    assert found.target == Tally(2, 1, 0, 0)


def test_specialty_and_general_points_are_both_required() -> None:
    only_specialty = [credit("A", 36, True, 2025, "Contact lens fitting", "Communication")]
    found = progress("2025-2027", YEARS, CLO, only_specialty, 2026, NOW)
    assert found.missing == Tally(0, 0, 0, 18)  # 18 general points still wanted


@pytest.mark.parametrize(
    ("uploaded", "accept_by", "not_uploaded", "to_accept"),
    [
        (None, at(2027, 1, 1), 1, []),
        (at(2026, 12, 5), at(2027, 1, 1), 1, []),  # uploaded after now: not yet
        (at(2026, 11, 6), at(2027, 1, 1), 0, [(2026, 1)]),
        (at(2026, 12, 4), at(2027, 1, 1), 0, [(2026, 1)]),
        (at(2025, 11, 7), at(2026, 1, 1), 0, []),  # the time to accept is over
    ],
)
def test_points_to_upload_and_to_accept_in_mygoc(
    uploaded: datetime | None,
    accept_by: datetime,
    not_uploaded: int,
    to_accept: list[tuple[int, int]],
) -> None:
    one = credit("A", 1, False, accept_by.year - 1, uploaded_at=uploaded, accept_by=accept_by)
    found = progress("2025-2027", YEARS, OPTOM, [one, one], 2026, NOW)
    assert found.not_uploaded == 2 * not_uploaded
    assert [(p.year, p.points) for p in found.to_accept] == [(y, 2 * n) for y, n in to_accept]


def offer(ref: str, interactive: bool, *competencies: str,
          professions: tuple[str, ...] = ("optometrist",)) -> Offer:  # fmt: skip
    return Offer(ref, professions, competencies, interactive)


CATALOGUE = [
    offer("C-1", False, "Low vision"),
    offer("C-2", True, "Low vision"),
    offer("C-3", False, "Low vision", "Ocular disease"),
    offer("C-4", True, "Communication"),
    offer("C-5", True, "Low vision", professions=("dispensing_optician",)),  # not open to her
    offer("C-6", True, "Ocular disease"),
]


@pytest.mark.parametrize(
    ("credits", "taken", "expected"),
    [
        # Interactive short: interactive first; then those covering most missing; then ref.
        ([credit("A", 1, False, 2025, "Communication")], set(), ["C-2", "C-6", "C-3", "C-1"]),
        ([credit("A", 1, False, 2025, "Communication")], {"C-2", "C-6"}, ["C-3", "C-1"]),
        # Interactive met: most missing covered first.
        ([credit("A", 3, True, 2025, "Communication")], set(), ["C-3", "C-1", "C-2", "C-6"]),
        # No competency missing, points short: any course not taken, interactive first.
        ([credit("A", 1, False, 2025, *ALL)], {"C-1"}, ["C-2", "C-4", "C-6", "C-3"]),
        # Only interactive points short: interactive courses only.
        ([credit("A", 6, False, 2025, *ALL)], set(), ["C-2", "C-4", "C-6"]),
        ([credit("A", 6, True, 2025, *ALL)], set(), []),  # all met: nothing to suggest
    ],
)
def test_suggestions_fill_the_gap(
    credits: list[Credit], taken: set[str], expected: list[str]
) -> None:
    found = progress("2025-2027", YEARS, SMALL, credits, 2026, NOW)
    assert [s.ref for s in suggestions(found, CATALOGUE, taken)] == expected


def test_suggestions_say_what_they_cover_and_are_bounded() -> None:
    found = progress("2025-2027", YEARS, SMALL, [], 2026, NOW)
    many = [offer(f"C-{n:02}", True, "Low vision") for n in range(10)]
    chosen = suggestions(found, [offer("C-99", True, *ALL), *many], set())
    assert len(chosen) == 6
    assert (chosen[0].ref, chosen[0].covers) == ("C-99", ALL)
    assert chosen[1].covers == ("Low vision",)


def test_specialty_courses_first_when_specialty_points_are_short() -> None:
    general = [c for c in CLO.competencies if c not in CLO.specialty_competencies]
    everything = [
        credit("A", 18, True, 2025, *general),
        credit("B", 0, True, 2025, *CLO.specialty_competencies),  # covered, no points
    ]
    found = progress("2025-2027", YEARS, CLO, everything, 2026, NOW)
    assert found.missing == Tally(18, 0, 18, 0)
    offers = [
        offer("C-1", True, "Communication", professions=("contact_lens_optician",)),
        offer("C-2", False, "Contact lens aftercare", professions=("contact_lens_optician",)),
    ]
    assert [s.ref for s in suggestions(found, offers, {"A"})] == ["C-2"]


NAMES = st.sampled_from([*OPTOM.competencies, "Low vision", "Contact lens fitting"])
CREDITS = st.lists(
    st.builds(
        Credit, st.sampled_from(["C-1", "C-2", "C-3"]), st.integers(0, 12), st.booleans(),
        st.sampled_from(YEARS), st.lists(NAMES, max_size=3).map(tuple),
    ),
    max_size=12,
)  # fmt: skip


@given(CREDITS, st.integers(2024, 2029), st.sampled_from([OPTOM, CLO, TP]))
def test_totals_agree_whatever_the_records(
    credits: list[Credit], year: int, requirement: Requirement
) -> None:
    found = progress("2025-2027", YEARS, requirement, credits, year, NOW)
    years = [t for _, t in found.per_year]
    assert found.earned.points == sum(t.points for t in years) == sum(c.points for c in credits)
    assert found.earned.interactive == sum(t.interactive for t in years)
    assert found.earned.specialty_points + found.earned.general_points == (
        found.earned.points if requirement.specialty_name else found.earned.specialty_points
    )
    wanted = found.wanted
    for kind in ("points", "interactive", "specialty_points", "general_points"):
        earned, short = getattr(found.earned, kind), getattr(found.missing, kind)
        assert short == max(getattr(wanted, kind) - earned, 0)
        assert getattr(found.target, kind) <= getattr(wanted, kind)
    assert (found.status is Status.MET) == (not found.missing and not found.missing_competencies)
    if year < YEARS[-1] + 1:
        assert found.status is not Status.NOT_MET
    if year == YEARS[0]:
        assert found.on_track  # nothing is due in the first year
    offers = {o.ref: o for o in CATALOGUE}
    for s in suggestions(found, CATALOGUE, set()):  # never a course the profession may not take
        assert may_take(requirement.profession, list(offers[s.ref].professions))
