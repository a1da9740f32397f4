"""Each profession's competencies (rule 10): the bundled list, its rules, GET /api/competencies."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from peercet.catalogue import competencies
from peercet.catalogue.competencies import Framework, competencies_of
from peercet.catalogue.professions import PROFESSIONS
from peercet.core.settings import Settings
from tests.support.web_helpers import app_client, error_code

TINY = Framework({
    "optometrist": ("Communication", "Ocular disease"),
    "dispensing_optician": ("Communication", "Low vision"),
    "contact_lens_optician": ("Contact lens fitting",),
    "therapeutic_prescriber": ("Prescribing safely",),
})  # fmt: skip


@pytest.mark.parametrize(
    ("profession", "names"),
    [
        ("optometrist", ("Communication", "Ocular disease")),
        ("dispensing_optician", ("Communication", "Low vision")),
        # a specialty's list is its base profession's, then its own
        ("contact_lens_optician", ("Communication", "Low vision", "Contact lens fitting")),
        ("therapeutic_prescriber", ("Communication", "Ocular disease", "Prescribing safely")),
    ],
)
def test_a_specialty_has_its_base_professions_competencies(
    profession: str, names: tuple[str, ...]
) -> None:
    assert TINY.of(profession) == names


def test_every_competency_says_which_professions_have_it() -> None:
    assert [(c.name, c.professions) for c in TINY.entries()] == [
        ("Communication", tuple(PROFESSIONS)),
        ("Ocular disease", ("optometrist", "therapeutic_prescriber")),
        ("Low vision", ("dispensing_optician", "contact_lens_optician")),
        ("Contact lens fitting", ("contact_lens_optician",)),
        ("Prescribing safely", ("therapeutic_prescriber",)),
    ]
    assert [c.name for c in TINY.entries("contact_lens_optician")] == list(
        TINY.of("contact_lens_optician")
    )


@pytest.mark.parametrize(
    ("name", "professions", "spelt"),
    [
        ("ocular disease", PROFESSIONS, "Ocular disease"),
        ("  LOW   vision ", PROFESSIONS, "Low vision"),
        ("Ocular disease", ["dispensing_optician"], None),
        ("Ocular disease", ["therapeutic_prescriber"], "Ocular disease"),
        ("Low vision", ["contact_lens_optician"], "Low vision"),
        ("Ocular", PROFESSIONS, None),  # whole names only
        ("", PROFESSIONS, None),
    ],
)
def test_names_match_whatever_their_case_and_spacing(
    name: str, professions: list[str], spelt: str | None
) -> None:
    assert TINY.spelling(name, professions) == spelt


def _bundled_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(competencies.BUNDLED.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("professions"), "'professions' must name each of"),
        (lambda d: d["professions"].pop("optometrist"), "'professions' must name each of"),
        (lambda d: d["professions"].update(optician=["X"]), "'professions' must name each of"),
        (lambda d: d["professions"].update(optometrist=[]), "optometrist: a non-empty list"),
        (lambda d: d["professions"].update(optometrist=["A", " B"]), "each a non-empty name"),
        (lambda d: d["professions"].update(optometrist=["A", 1]), "each a non-empty name"),
        (lambda d: d["professions"].update(optometrist=["A", "a"]), "a name appears twice"),
    ],
)
def test_a_bad_competency_file_is_refused(change: Any, message: str) -> None:
    data = copy.deepcopy(_bundled_data())
    change(data)
    with pytest.raises(ValueError, match=message):
        competencies.parse(data)


def test_the_bundled_list_covers_every_profession() -> None:
    framework = competencies.bundled()
    assert set(framework.own) == set(PROFESSIONS)
    assert competencies_of("optometrist") == framework.own["optometrist"]
    assert set(competencies_of("therapeutic_prescriber")) >= set(competencies_of("optometrist"))
    assert set(competencies_of("contact_lens_optician")) >= set(
        competencies_of("dispensing_optician")
    )
    assert "Ocular disease" not in competencies_of("dispensing_optician")
    assert {"scheme", "source"} <= set(_bundled_data())


def test_the_api_serves_the_list_a_filter_offers(settings: Settings) -> None:
    with app_client(settings) as client:
        every = client.get("/api/competencies")
        clo = client.get("/api/competencies?profession=contact_lens_optician")
        empty = client.get("/api/competencies?profession=")
        unknown = client.get("/api/competencies?profession=astronaut")
    assert every.status_code == 200 and empty.json() == every.json()
    listed = every.json()["competencies"]
    assert [c["name"] for c in listed] == [c.name for c in competencies.bundled().entries()]
    assert {"name": "Communication", "professions": list(PROFESSIONS)} in listed
    assert {"name": "Ocular disease", "professions": ["optometrist", "therapeutic_prescriber"]} in (
        listed
    )
    names = [c["name"] for c in clo.json()["competencies"]]
    assert names == list(competencies_of("contact_lens_optician"))
    assert "Low vision" in names and "Contact lens fitting" in names
    assert "Ocular disease" not in names
    assert all("contact_lens_optician" in c["professions"] for c in clo.json()["competencies"])
    assert unknown.status_code == 400 and error_code(unknown) == "bad_query"
